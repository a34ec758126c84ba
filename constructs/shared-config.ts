import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { SECRET_LOOKING_NAME } from './core/env';
import { IConfigSource } from './core/env-from';
import { Problems } from './core/errors';
import { appLabels } from './core/labels';
import { isDns1123Subdomain, isEnvVarName } from './core/names';
import { STRING_MAP } from './core/prop-shapes';
import { checkProps, opt, propsOf, req, str } from './core/props';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

export interface SharedConfigProps {
  /**
   * The ConfigMap's name.
   * @default - the construct id
   */
  readonly name?: string;
  /** Non-secret settings, read by services as env vars (`EnvFrom.configMap(shared)`). */
  readonly data: Readonly<Record<string, string>>;
}

/**
 * A ConfigMap several services read through `envFrom`, such as giia's `shared-config`.
 * It implements IConfigSource, so every consumer's pod template carries a checksum of
 * its data and rolls when it changes. Credentials are refused: a ConfigMap is plaintext.
 */
export class SharedConfig extends Construct implements IConfigSource {
  public readonly configMapName: string;
  public readonly data: Readonly<Record<string, string>>;
  public readonly configMap: k8s.KubeConfigMap;

  constructor(scope: Construct, id: string, props: SharedConfigProps) {
    super(scope, id);
    checkProps(new Problems(this), SHARED_CONFIG_PROPS, props);
    const name = props.name ?? id;

    const problems = new Problems(this);
    problems.check(isDns1123Subdomain(name) && name.length <= 63, 'name', 'must be a DNS-1123 subdomain of at most 63 characters', name);
    for (const key of Object.keys(props.data)) {
      if (!problems.check(isEnvVarName(key), 'data', 'must have keys that are valid env var names', key)) continue;
      problems.check(!SECRET_LOOKING_NAME.test(key), `data.${key}`, 'looks like a credential: a ConfigMap is plaintext, use an AppSecret', '<redacted>');
    }
    problems.throwIfAny();

    this.configMapName = name;
    this.data = { ...props.data };
    this.configMap = new kinds.KubeConfigMap(this, 'config-map', {
      metadata: { name, labels: appLabels(this, { name, component: 'config' }).all },
      data: { ...props.data },
    });
    syncWave(this.configMap, Wave.CONFIG);
  }
}

const SHARED_CONFIG_PROPS = propsOf<SharedConfigProps>('SharedConfig', { name: opt(str), data: req(STRING_MAP) });
