import { runCampaign, type CampaignResult } from './campaign.js';
import { onnxReader, packageReader, testDataReader } from './readers.js';

/**
 * `npm run fuzz [-- RUNS [SEED]]`: a longer run than CI's, printing for each
 * reader the runs, clean errors, crashes and hangs, and one sample per crash class.
 */

const runs = Number(process.argv[2] ?? 20_000);
const seed = Number(process.argv[3] ?? 15);
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- [RUNS per reader] [SEED]');
  process.exit(2);
}

const readers = [onnxReader(), await packageReader(), testDataReader()];
const results: CampaignResult[] = [];
for (const reader of readers) {
  try {
    results.push(runCampaign(reader, { runs, seed, hangMs: 2_000 }));
  } finally {
    reader.dispose();
  }
}
console.log(`seed ${seed}, ${runs} runs per reader`);
console.log(['reader', 'runs', 'accepted', 'clean errors', 'crashes', 'hangs', 'seconds'].join('\t'));
for (const r of results) console.log([r.reader, r.runs, r.accepted, r.cleanErrors, r.crashes, r.hangs, r.seconds.toFixed(1)].join('\t'));
for (const r of results) {
  for (const s of r.samples) console.log(`${r.reader} case ${s.caseNumber} (${s.seed}): ${s.kind}\n    ${s.message.replace(/\n/g, ' ')}`);
}
process.exitCode = results.some((r) => r.crashes > 0 || r.hangs > 0) ? 1 : 0;
