"""Read side of smallwins: materialised views, their SQL stores for SQLite and PostgreSQL,
the runner that keeps them caught up exactly once, and the win-analysis replay."""
