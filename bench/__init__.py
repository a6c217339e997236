"""The benchmark harness of issue 7: `python -m bench [--quick]` measures smallwins against
the raw eventsourcing stack, a bare FastAPI app and the Emmett event store on this machine,
in one run, and writes JSON plus a markdown table (docs/benchmarks.md)."""
