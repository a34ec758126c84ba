// The cert-manager objects the IngressGateway's HTTPS modes share: a Certificate per host (or one
// for all hosts) and the NetworkPolicy that lets ingress proxies reach the HTTP-01 solver pods.
// Used by ./ingress.ts, ./gateway-api.ts and ./istio.ts; the interface they share is ./renderer.ts.
import { Lazy } from 'cdk8s';
import * as cm from '../../imports/cert-manager.io';
import * as k8s from '../../imports/k8s';
import type { CertificateIssuer } from '../ingress-gateway';
import { NetworkPeer } from '../core/connections';
import { RUNTIME_PODS_ANNOTATION } from '../core/external-refs';
import * as kinds from '../core/kinds';
import { syncWave, Wave } from '../core/waves';
import { RendererContext } from './renderer';
import { hostSlug } from './routes';

/** ACME HTTP-01 solver pods cert-manager starts next to a Certificate. */
const ACME_SOLVER_LABEL = 'acme.cert-manager.io/http01-solver';
const ACME_SOLVER_PORT = 8089;

/** The Certificates of a gateway whose `tls` has an issuer. */
export class Certificates {
  private san?: cm.Certificate;

  /** @param namespace where the Certificates (and so their Secrets) go, if not the chart's */
  constructor(private readonly ctx: RendererContext, private readonly namespace?: string) {}

  /**
   * What a new host needs: its own Certificate (Secret `<host slug>-tls`), or, with `tls.secretName`,
   * the one Certificate for every host, made with the first.
   */
  public forHost(host: string): void {
    const tls = this.ctx.tls;
    if (!tls?.issuer) return;
    if (tls.secretName !== undefined) {
      if (this.san) return;
      this.san = this.certificate('Certificate', tls.secretName, tls.secretName,
        Lazy.any({ produce: () => [...this.ctx.routes.hosts] }) as string[], tls.issuer);
      return;
    }
    const slug = hostSlug(host);
    this.certificate(`Certificate-${slug}`, slug, `${slug}-tls`, [host], tls.issuer);
  }

  private certificate(id: string, name: string, secretName: string, dnsNames: string[], issuer: CertificateIssuer): cm.Certificate {
    const { scope, labels } = this.ctx;
    const cert = new kinds.Certificate(scope, id, {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        secretName,
        dnsNames,
        issuerRef: { group: 'cert-manager.io', kind: issuer.kind, name: issuer.name },
        secretTemplate: { labels },
      },
    });
    syncWave(cert, Wave.GATEWAY);
    this.ctx.objects.certificates.push(cert);
    return cert;
  }
}

/**
 * Lets `peer` (the ingress proxies) reach cert-manager's HTTP-01 solver pods, where `tls` has an
 * issuer: the modes whose proxies serve the ACME challenge make it up front.
 */
export function acmeSolverPolicy(ctx: RendererContext, peer: NetworkPeer): void {
  if (!ctx.tls?.issuer) return;
  ctx.objects.acmeSolverPolicy = new kinds.KubeNetworkPolicy(ctx.scope, 'AcmeSolverPolicy', {
    metadata: {
      name: `${ctx.name}-acme-http01`,
      labels: ctx.labels,
      annotations: { [RUNTIME_PODS_ANNOTATION]: 'cert-manager HTTP-01 solver pods' },
    },
    spec: {
      podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: 'true' } },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [peer.policyPeer],
        ports: [{ port: k8s.IntOrString.fromNumber(ACME_SOLVER_PORT), protocol: 'TCP' }],
      }],
    },
  });
}
