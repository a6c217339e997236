"""HTTP side of smallwins: FastAPI app, routers, schemas, auth, settings, errors, CLI."""
