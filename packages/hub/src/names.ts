// Name validation: repo ids, revisions, file names and server-supplied ids (commit, ETag) are checked here,
// before any request or file write, so that no name can address anything outside its cache folder or URL.
// Shared by the Node and browser entries.

import { HubError } from './errors.js';

// Any percent-escape: an encoded separator (%2F, %5C), dot (%2E) or NUL (%00) would be decoded by some layer.
const PERCENT_ESCAPE = /%[0-9a-fA-F]{2}/;
const REPO_SEGMENT = /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$/;
const COMMIT = /^[0-9a-f]{40}$/;
// ETags and commits become file and folder names: a plain token, no dots at the start, no "..".
const SAFE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
const MAX_REPO_ID = 96;
const MAX_REVISION = 255;
const MAX_FILE = 1024;
const MAX_SEGMENT = 255;

/** True for a C0, DEL or C1 control character (NUL, newline, escape…). */
export function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isControl(value.charCodeAt(i))) return true;
  return false;
}

function refuse(kind: string, value: string, why: string, fix: string): never {
  throw new HubError('invalid_name', `${kind} ${JSON.stringify(value)} refused: ${why}; ${fix}`);
}

function commonChecks(kind: string, value: unknown, max: number, fix: string): asserts value is string {
  if (typeof value !== 'string') {
    throw new HubError('invalid_name', `${kind} must be a string, got ${typeof value}; ${fix}`);
  }
  if (value.length === 0) refuse(kind, value, 'it is empty', fix);
  if (value.length > max) refuse(kind, value.slice(0, 40), `it is longer than ${max} characters`, fix);
  if (hasControl(value)) refuse(kind, value, 'it contains a control character (NUL, newline…)', fix);
  if (value.includes('\\')) refuse(kind, value, 'it contains a backslash', fix);
  if (PERCENT_ESCAPE.test(value)) refuse(kind, value, 'it contains a URL-encoded character (%XX)', fix);
}

/**
 * Checks a canonical repo id (`name` or `owner/name`) as the hub does: ASCII letters, digits, `_`, `-`, `.`;
 * no `--` or `..`; at most 96 characters. Returns it unchanged.
 */
export function validateRepoId(id: unknown): string {
  const fix = "use 'owner/name' as on huggingface.co, e.g. 'openai-community/gpt2'";
  commonChecks('repo id', id, MAX_REPO_ID, fix);
  if (id.startsWith('/')) refuse('repo id', id, 'it is an absolute path', fix);
  if (id.includes('..')) refuse('repo id', id, "it contains '..'", fix);
  if (id.includes('--')) refuse('repo id', id, "it contains '--'", fix);
  const parts = id.split('/');
  if (parts.length > 2) refuse('repo id', id, 'it has more than one /', fix);
  for (const part of parts) {
    if (!REPO_SEGMENT.test(part)) {
      refuse(
        'repo id',
        id,
        'each part must be letters, digits, _ - . and start and end with a letter or digit',
        fix,
      );
    }
  }
  return id;
}

/**
 * Checks a revision (branch, tag, `refs/pr/N` or 40-hex commit) with git's ref-name rules plus the
 * traversal rules: no `..`, no segment starting with `.`, no empty segment, no leading or trailing `/`.
 */
export function validateRevision(revision: unknown): string {
  const fix = "use a branch, tag or 40-hex commit, e.g. 'main'";
  commonChecks('revision', revision, MAX_REVISION, fix);
  if (/[\s~^:?*[]/.test(revision)) refuse('revision', revision, 'it contains a space or one of ~^:?*[', fix);
  if (revision.includes('@{')) refuse('revision', revision, "it contains '@{'", fix);
  if (revision.endsWith('.lock') || revision.endsWith('.')) {
    refuse('revision', revision, "it ends with '.lock' or '.'", fix);
  }
  for (const part of revision.split('/')) {
    if (part === '')
      refuse('revision', revision, 'it has an empty path segment (leading, trailing or //)', fix);
    if (part.startsWith('.'))
      refuse('revision', revision, "a path segment starts with '.' (., .. or hidden)", fix);
  }
  return revision;
}

/**
 * Checks a file name inside a repo or directory (`config.json`, `onnx/model.onnx`): relative, `/`-separated,
 * no `.`/`..`/empty segments, no backslash, drive letter, `%XX`, control or Windows-reserved characters.
 */
export function validateFileName(file: unknown): string {
  const fix = "use a path relative to the repo root with '/' separators, e.g. 'config.json'";
  commonChecks('file name', file, MAX_FILE, fix);
  if (file.startsWith('/')) refuse('file name', file, 'it is an absolute path', fix);
  if (/[<>:"|?*]/.test(file)) refuse('file name', file, 'it contains one of <>:"|?*', fix);
  for (const part of file.split('/')) {
    if (part === '') refuse('file name', file, 'it has an empty path segment (leading, trailing or //)', fix);
    if (part === '.' || part === '..') refuse('file name', file, "it has a '.' or '..' segment", fix);
    if (part.length > MAX_SEGMENT) refuse('file name', file, `a segment is longer than ${MAX_SEGMENT}`, fix);
  }
  return file;
}

/** True for a full 40-hex commit hash. */
export function isCommitHash(revision: string): boolean {
  return COMMIT.test(revision);
}

/**
 * Checks an id the server sent that becomes a file or folder name (commit, ETag). A hostile server must not
 * pick paths: anything but a plain token is an `invalid_response`.
 */
export function validateServerId(kind: string, value: string, url: string): string {
  if (!SAFE_ID.test(value) || value.includes('..')) {
    throw new HubError(
      'invalid_response',
      `${url}: the server sent an unusable ${kind} ${JSON.stringify(value.slice(0, 80))} (expected a hex id); ` +
        'check HF_ENDPOINT points at a Hugging Face hub',
      { url },
    );
  }
  return value;
}
