import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: recurrent family. */
defineMilOps([]);
