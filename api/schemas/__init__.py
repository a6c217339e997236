"""Request and response schemas, kept apart from domain objects."""
