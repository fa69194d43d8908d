import { defineMilOps } from '../catalogue.js';

/** MIL op definitions: misc family. */
defineMilOps([]);
