from azlab.cli.main import main

raise SystemExit(main())
