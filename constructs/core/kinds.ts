// The generated kinds berth creates, each rendered in one pass (see ./rendered). Create
// objects through these, not the generated classes, or they take cdk8s's slower generic path.
import * as argo from '../../imports/argoproj.io';
import * as vpa from '../../imports/autoscaling.k8s.io';
import * as sealed from '../../imports/bitnami.com';
import * as cm from '../../imports/cert-manager.io';
import * as eso from '../../imports/external-secrets.io';
import * as gwapi from '../../imports/gateway.networking.k8s.io';
import * as k8s from '../../imports/k8s';
import * as monitoring from '../../imports/monitoring.coreos.com';
import * as istio from '../../imports/networking.istio.io';
import * as istiosec from '../../imports/security.istio.io';
import { rendered } from './rendered';

export const KubeConfigMap = rendered(k8s.KubeConfigMap, k8s.toJson_KubeConfigMapProps);
export const KubeCronJob = rendered(k8s.KubeCronJob, k8s.toJson_KubeCronJobProps);
export const KubeDeployment = rendered(k8s.KubeDeployment, k8s.toJson_KubeDeploymentProps);
export const KubeHorizontalPodAutoscalerV2 = rendered(k8s.KubeHorizontalPodAutoscalerV2, k8s.toJson_KubeHorizontalPodAutoscalerV2Props);
export const KubeIngress = rendered(k8s.KubeIngress, k8s.toJson_KubeIngressProps);
export const KubeJob = rendered(k8s.KubeJob, k8s.toJson_KubeJobProps);
export const KubeLimitRange = rendered(k8s.KubeLimitRange, k8s.toJson_KubeLimitRangeProps);
export const KubeNamespace = rendered(k8s.KubeNamespace, k8s.toJson_KubeNamespaceProps);
export const KubeNetworkPolicy = rendered(k8s.KubeNetworkPolicy, k8s.toJson_KubeNetworkPolicyProps);
export const KubePersistentVolumeClaim = rendered(k8s.KubePersistentVolumeClaim, k8s.toJson_KubePersistentVolumeClaimProps);
export const KubePodDisruptionBudget = rendered(k8s.KubePodDisruptionBudget, k8s.toJson_KubePodDisruptionBudgetProps);
export const KubeResourceQuota = rendered(k8s.KubeResourceQuota, k8s.toJson_KubeResourceQuotaProps);
export const KubeRole = rendered(k8s.KubeRole, k8s.toJson_KubeRoleProps);
export const KubeRoleBinding = rendered(k8s.KubeRoleBinding, k8s.toJson_KubeRoleBindingProps);
export const KubeSecret = rendered(k8s.KubeSecret, k8s.toJson_KubeSecretProps);
export const KubeService = rendered(k8s.KubeService, k8s.toJson_KubeServiceProps);
export const KubeServiceAccount = rendered(k8s.KubeServiceAccount, k8s.toJson_KubeServiceAccountProps);
export const KubeStatefulSet = rendered(k8s.KubeStatefulSet, k8s.toJson_KubeStatefulSetProps);

export const AppProject = rendered(argo.AppProject, argo.toJson_AppProjectProps);
export const Application = rendered(argo.Application, argo.toJson_ApplicationProps);
export const VerticalPodAutoscaler = rendered(vpa.VerticalPodAutoscaler, vpa.toJson_VerticalPodAutoscalerProps);
export const SealedSecret = rendered(sealed.SealedSecret, sealed.toJson_SealedSecretProps);
export const Certificate = rendered(cm.Certificate, cm.toJson_CertificateProps);
export const ExternalSecret = rendered(eso.ExternalSecret, eso.toJson_ExternalSecretProps);
export const GatewayApiGateway = rendered(gwapi.Gateway, gwapi.toJson_GatewayProps);
export const HttpRoute = rendered(gwapi.HttpRoute, gwapi.toJson_HttpRouteProps);
export const ServiceMonitor = rendered(monitoring.ServiceMonitor, monitoring.toJson_ServiceMonitorProps);
export const DestinationRule = rendered(istio.DestinationRule, istio.toJson_DestinationRuleProps);
export const IstioGateway = rendered(istio.Gateway, istio.toJson_GatewayProps);
export const VirtualService = rendered(istio.VirtualService, istio.toJson_VirtualServiceProps);
export const AuthorizationPolicy = rendered(istiosec.AuthorizationPolicy, istiosec.toJson_AuthorizationPolicyProps);
export const PeerAuthentication = rendered(istiosec.PeerAuthentication, istiosec.toJson_PeerAuthenticationProps);
