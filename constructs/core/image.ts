import { Problems } from './errors';
import { isLabelValue } from './names';

/** A container image: `repository` plus a tag, a digest, or both. */
export interface ImageRef {
  /** e.g. `ghcr.io/acme/auth` or `postgres`. */
  readonly repository: string;
  /** e.g. `1.4.2`. @default - none; a digest is then required */
  readonly tag?: string;
  /** e.g. `sha256:…`. @default - none */
  readonly digest?: string;
}

/** `repo:tag`, `repo@sha256:…` or an ImageRef. */
export type Image = string | ImageRef;

const DIGEST = /^sha256:[a-f0-9]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/** Splits `registry:5000/repo:tag@sha256:…` without mistaking a registry port for a tag. */
export function parseImage(image: Image): ImageRef {
  if (typeof image !== 'string') return image;
  const [nameAndTag, digest] = image.split('@', 2);
  const slash = nameAndTag.lastIndexOf('/');
  const colon = nameAndTag.lastIndexOf(':');
  const hasTag = colon > slash;
  return {
    repository: hasTag ? nameAndTag.slice(0, colon) : nameAndTag,
    ...(hasTag ? { tag: nameAndTag.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

export function formatImage(ref: ImageRef): string {
  return `${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/**
 * Checks an image is pinned: a digest, or a tag other than `latest`.
 * `allowMutableTags` (dev) also accepts `latest` and untagged images.
 */
export function checkImage(problems: Problems, prop: string, image: Image, allowMutableTags: boolean): void {
  const ref = parseImage(image);
  const shown = typeof image === 'string' ? image : formatImage(ref);
  if (!problems.check(ref.repository.length > 0, prop, 'must name a repository', shown)) return;
  if (ref.tag !== undefined) problems.check(TAG.test(ref.tag), prop, 'must have a valid tag', shown);
  if (ref.digest !== undefined) problems.check(DIGEST.test(ref.digest), prop, "must have a digest of the form 'sha256:<64 hex>'", shown);
  if (allowMutableTags) return;
  if (ref.digest === undefined && (ref.tag === undefined || ref.tag === 'latest')) {
    problems.add(prop, "must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them)", shown);
  }
}

/** The version label for an image: its tag, else the digest's first 12 hex digits. */
export function imageVersion(image: Image): string | undefined {
  const ref = parseImage(image);
  const v = ref.tag ?? ref.digest?.replace(/^sha256:/, '').slice(0, 12);
  return v !== undefined && isLabelValue(v) ? v : undefined;
}
