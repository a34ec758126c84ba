import { IConstruct } from 'constructs';
import { Problems } from './errors';
import { isLabelValue } from './names';
import { platformPolicy } from './policy';

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

// The reference grammar of distribution/reference (what containerd and the kubelet parse):
//   reference := name [ ":" tag ] [ "@" digest ];  name := [domain "/"] path-component ["/" path-component]*
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
export const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** The algorithms go-digest registers, each with its length; hex digits are lowercase. */
export const DIGEST = /^(sha256:[a-f0-9]{64}|sha384:[a-f0-9]{96}|sha512:[a-f0-9]{128})$/;
const NAME_MAX = 255;

/** Splits `registry:5000/repo:tag@sha256:…` without mistaking a registry port for a tag. */
export function parseImage(image: Image): ImageRef {
  if (typeof image !== 'string') return image;
  const at = image.indexOf('@');
  const nameAndTag = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
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

/** What is wrong with a repository (`[registry/]path`), or undefined when the kubelet can pull it. */
function repositoryProblem(repository: string): string | undefined {
  if (repository.length === 0) return 'must name a repository';
  if (repository.length > NAME_MAX) return `must have a repository name of at most ${NAME_MAX} characters`;
  // Like distribution/reference: the first component is a registry when it looks like a host.
  const slash = repository.indexOf('/');
  const first = slash < 0 ? '' : repository.slice(0, slash);
  const isDomain = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (isDomain && !DOMAIN.test(first)) return "must have a valid registry host (letters, digits, '-' and '.', optionally ':<port>')";
  const components = (isDomain ? repository.slice(slash + 1) : repository).split('/');
  if (components.some((c) => c.toLowerCase() !== c)) return 'must have a lowercase repository path (registries refuse capital letters)';
  if (!components.every((c) => PATH_COMPONENT.test(c))) {
    return "must have a repository path of '/'-separated components of lowercase letters and digits, joined by '.', '_', '__' or '-'";
  }
  return undefined;
}

/**
 * Checks an image reference the kubelet can pull (distribution/reference's grammar) and that
 * it is pinned: a digest, or a tag other than `latest`. `allowMutableTags` (dev) also accepts
 * `latest` and untagged images.
 */
export function checkImage(problems: Problems, prop: string, image: Image, allowMutableTags: boolean): void {
  const ref = parseImage(image);
  const shown = typeof image === 'string' ? image : formatImage(ref);
  if (/\s/.test(shown)) {
    problems.add(prop, 'must not contain whitespace', shown);
    return;
  }
  const repo = repositoryProblem(ref.repository);
  if (repo !== undefined) {
    problems.add(prop, repo, shown);
    return;
  }
  let ok = true;
  if (ref.tag !== undefined) {
    ok = problems.check(TAG.test(ref.tag), prop, "must have a valid tag (at most 128 letters, digits, '_', '.' and '-', not starting with '.' or '-')", shown) && ok;
  }
  if (ref.digest !== undefined) {
    ok = problems.check(DIGEST.test(ref.digest), prop, "must have a digest such as 'sha256:<64 lowercase hex digits>'", shown) && ok;
  }
  if (!ok || allowMutableTags) return;
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

/**
 * The image a service runs. A bare repository (no tag, no digest) is a release-managed image:
 * in a berth chart the environment's release gives its version and registry; elsewhere it is
 * used as given (and must then pass `checkImage`).
 */
export function resolveServiceImage(scope: IConstruct, service: string, image: Image): Image {
  const ref = parseImage(image);
  const resolve = platformPolicy(scope).images?.resolve;
  if (resolve === undefined || ref.tag !== undefined || ref.digest !== undefined) return image;
  return resolve(service, ref.repository, scope.node.path);
}
