import type { Logger } from 'pino';
import type { Platform } from '../platform/context.js';
import { CrmConfigSource } from './config.js';
import { CrmGateway } from './gateway.js';
import { banyaTransport } from './transport.js';

/** The CRM gateway of a service, when BANYA_CRM_CONFIG names a channels file. */
const gateways = new WeakMap<object, CrmGateway>();

/** Reads the channels file (a bad one stops the start with the reason). */
export function openCrmConfig(file: string | undefined, log: Logger): CrmConfigSource | null {
  if (!file) return null;
  return new CrmConfigSource(file, (err) => log.error({ err: err.message }, 'crm: the edited CRM config is invalid; the previous one stays in force'));
}

export async function startCrmGateway(p: Platform, config: CrmConfigSource, options: ConstructorParameters<typeof CrmGateway>[3] = {}): Promise<CrmGateway> {
  const gw = new CrmGateway(p, config, banyaTransport(p), options);
  gateways.set(p, gw);
  await gw.start();
  return gw;
}

export function gatewayOf(p: Platform): CrmGateway | undefined {
  return gateways.get(p);
}
