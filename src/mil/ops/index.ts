/**
 * Registers every MIL op family's definitions with the catalogue.
 * Each family file calls `defineMilOps([...])` at load time.
 */
import './elementwise.js';
import './activation.js';
import './shape.js';
import './reduce.js';
import './conv.js';
import './linear.js';
import './norm.js';
import './pool.js';
import './pad.js';
import './resample.js';
import './recurrent.js';
import './constexpr.js';
import './misc.js';
import './control.js';
import './scatter-gather.js';
import './space.js';
import './vision.js';
import './classify.js';
