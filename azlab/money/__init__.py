"""What a lab costs: list prices, the spend ledger, month-to-date and forecast, the budget."""
