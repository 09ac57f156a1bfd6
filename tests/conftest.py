pytest_plugins = ["azlab.sandbox.pytest_plugin"]
