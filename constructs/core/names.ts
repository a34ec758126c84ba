// Name syntax the Kubernetes API server enforces (k8s.io/apimachinery/pkg/util/validation).

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const WILDCARD_HOST = /^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** RFC 1123 label: Services, Namespaces, container and port-less names. Max 63. */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** RFC 1123 subdomain: most object names. Max 253. */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && DNS1123_SUBDOMAIN.test(value);
}

/** IANA service name: container port names. Max 15, at least one letter, no `--`. */
export function isIanaSvcName(value: string): boolean {
  return value.length <= 15 && IANA_SVC_NAME.test(value) && /[a-z]/.test(value) && !value.includes('--');
}

/** C identifiers plus `-` and `.`, as the API server accepts for env var names. */
export function isEnvVarName(value: string): boolean {
  return ENV_VAR_NAME.test(value);
}

/** A label value: max 63, alphanumeric at both ends. */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** An Ingress host: a DNS subdomain, optionally with one leading `*.` wildcard. */
export function isHostname(value: string): boolean {
  return value.length <= 253 && (DNS1123_SUBDOMAIN.test(value) || WILDCARD_HOST.test(value)) && value.includes('.');
}

/** RFC 1035 label: Service names, which must also start with a letter. Max 63. */
export function isDns1035Label(value: string): boolean {
  return value.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value);
}

/** A label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at most 63. */
export function isQualifiedName(value: string): boolean {
  const slash = value.lastIndexOf('/');
  const prefix = slash >= 0 ? value.slice(0, slash) : undefined;
  const name = value.slice(slash + 1);
  return (prefix === undefined || isDns1123Subdomain(prefix)) && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}
