"""One module per resource kind: its properties, desired and observed forms, body and calls."""
