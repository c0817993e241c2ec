import { runCli } from './cli/program.ts';

// Process entry: `sehat <command>`; `npm start` runs `sehat serve`.
await runCli(process.argv);
