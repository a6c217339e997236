"""Presenting a win analysis to people: a rich terminal table and a self-contained HTML
report with charts. Import `api.report.html` only when a report is wanted: it loads
matplotlib."""
