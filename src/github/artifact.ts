import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { errorMessage } from '../errors.js';
import type { Env } from './inputs.js';
import type { ActionLog } from './log.js';
import { ActionError } from './errors.js';

/**
 * Uploads the report folder (report.json, comment.md and the packages) as a
 * workflow artifact through @actions/artifact, which zips it. The artifact
 * service is reachable only inside a real runner (ACTIONS_RUNTIME_TOKEN and
 * ACTIONS_RESULTS_URL); elsewhere the upload is skipped with a log line and
 * the files stay in the report folder.
 */

export interface UploadedArtifact {
  id: number | undefined;
  name: string;
  /** Download page of the artifact, when the run is known. */
  url: string | undefined;
}

export interface ArtifactUploader {
  /** Uploads every file under `rootDir`; undefined when no artifact service is available. */
  upload(name: string, rootDir: string): Promise<UploadedArtifact | undefined>;
}

/** Characters the artifact service rejects in names. */
const FORBIDDEN_NAME_CHARS = /[":<>|*?\r\n\\/]/g;

export function sanitizeArtifactName(name: string): string {
  const cleaned = name.replace(FORBIDDEN_NAME_CHARS, '-').trim();
  return cleaned.length > 0 ? cleaned : 'coreml-report';
}

export function artifactServiceAvailable(env: Env): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
}

export async function listFilesRecursive(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

export interface ArtifactClientLike {
  uploadArtifact(name: string, files: string[], rootDirectory: string, options?: { retentionDays?: number }): Promise<{ id?: number; size?: number }>;
  deleteArtifact(name: string): Promise<unknown>;
}

/** Re-runs upload under the same name: an existing artifact of that name is replaced, not duplicated or fatal. */
async function uploadReplacing(client: ArtifactClientLike, name: string, files: string[], rootDir: string): Promise<{ id?: number }> {
  try {
    return await client.uploadArtifact(name, files, rootDir);
  } catch (err) {
    if (!/already exists|conflict|409/i.test(String((err as Error).message))) throw err;
    await client.deleteArtifact(name);
    return client.uploadArtifact(name, files, rootDir);
  }
}

export function createArtifactUploader(
  env: Env,
  log: ActionLog,
  runUrl: string | undefined,
  clientFactory: () => Promise<ArtifactClientLike> = defaultClient,
): ArtifactUploader {
  return {
    async upload(rawName, rootDir) {
      const name = sanitizeArtifactName(rawName);
      if (!artifactServiceAvailable(env)) {
        log.info(`no artifact service is available (ACTIONS_RUNTIME_TOKEN/ACTIONS_RESULTS_URL not set); the report stays in ${relative(process.cwd(), rootDir) || '.'}`);
        return undefined;
      }
      const files = await listFilesRecursive(rootDir);
      try {
        const result = await uploadReplacing(await clientFactory(), name, files, rootDir);
        const url = runUrl && result.id !== undefined ? `${runUrl}/artifacts/${result.id}` : runUrl;
        log.info(`uploaded artifact ${name} (${files.length} files)`);
        return { id: result.id, name, url };
      } catch (err) {
        throw new ActionError('ARTIFACT', `uploading artifact ${name} failed: ${errorMessage(err)}`, { cause: err });
      }
    },
  };
}

async function defaultClient(): Promise<ArtifactClientLike> {
  const { DefaultArtifactClient } = await import('@actions/artifact');
  return new DefaultArtifactClient();
}
