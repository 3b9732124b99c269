"""Files that leave or enter the application: portfolios, results, workbooks."""
