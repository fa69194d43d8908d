import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: resample family. */
defineMilOps([]);
