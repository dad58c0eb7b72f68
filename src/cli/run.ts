// Entry point of the `nodefinder` binary (bin/nodefinder.js imports this module).
import { main } from './main.js';

process.exitCode = await main(process.argv);
