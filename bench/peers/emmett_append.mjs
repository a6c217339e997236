// Single-event appends on the Emmett PostgreSQL event store, for `python -m bench`.
//
// Each command is what a smallwins command does: read the stream, fold it into state,
// decide one event (CustomerDataGathered) and append it with the expected stream version,
// through Emmett's own CommandHandler. `writers` async loops run concurrently, each over its
// own streams (so there are no conflicts), for a bounded time and count. One JSON line per
// run on stdout: {"writers", "commands", "seconds", "rate"}.
//
// node emmett_append.mjs <connection string> <writers,comma,separated> <seconds> <repeats> <streams>
import { CommandHandler } from '@event-driven-io/emmett';
import { getPostgreSQLEventStore } from '@event-driven-io/emmett-postgresql';

const [connectionString, writersArg, secondsArg, repeatsArg, streamsArg] = process.argv.slice(2);
const writerCounts = writersArg.split(',').map(Number);
const seconds = Number(secondsArg);
const repeats = Number(repeatsArg);
const streamCount = Number(streamsArg);
const MAX_COMMANDS_PER_RUN = 1_000_000;

const evolve = (state, event) => {
  switch (event.type) {
    case 'OpportunityOpened':
      return { ...state, status: 'open', title: event.data.title };
    case 'CustomerDataGathered':
      return { ...state, gathered: state.gathered + 1 };
    default:
      return state;
  }
};
const initialState = () => ({ status: 'none', title: '', gathered: 0 });
const handle = CommandHandler({ evolve, initialState });

const stamp = () => ({ occurredAt: new Date().toISOString(), recordedBy: 'bench', note: null });

const openDeal = (title) => (state) => {
  if (state.status !== 'none') throw new Error('already opened');
  return { type: 'OpportunityOpened', data: { title, account: 'Acme', owner: 'bench', ...stamp() } };
};

const gatherCustomerData = (state) => {
  if (state.status !== 'open') throw new Error('not open');
  return {
    type: 'CustomerDataGathered',
    data: { summary: 'Three plants, manual scheduling, 40 planners', ...stamp() },
  };
};

const store = getPostgreSQLEventStore(connectionString);
try {
  // Create the schema before any concurrency: a session holds a pooled connection while it
  // waits for the schema, so concurrent first commands could exhaust the pool.
  await store.schema.migrate();
  const streams = Array.from({ length: streamCount }, (_, i) => `opportunity-bench-${i}`);
  // Open every stream first (16 at a time), outside the measured runs.
  for (let i = 0; i < streams.length; i += 16) {
    await Promise.all(streams.slice(i, i + 16).map((id) => handle(store, id, openDeal(id))));
  }
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const writers of writerCounts) {
      let commands = 0;
      const started = performance.now();
      const deadline = started + seconds * 1000;
      const loop = async (w) => {
        const mine = streams.filter((_, i) => i % writers === w);
        for (let k = 0; performance.now() < deadline && commands < MAX_COMMANDS_PER_RUN; k++) {
          await handle(store, mine[k % mine.length], gatherCustomerData);
          commands++;
        }
      };
      await Promise.all(Array.from({ length: writers }, (_, w) => loop(w)));
      const elapsed = (performance.now() - started) / 1000;
      console.log(JSON.stringify({ writers, commands, seconds: elapsed, rate: commands / elapsed }));
    }
  }
} finally {
  await store.close();
}
