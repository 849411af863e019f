import { generateKeyPairSync } from 'node:crypto';
import {
  loadOrCreateCertificate,
  loadOrCreateKeyPair,
  loadOrCreateSecret,
  randomAlphanumeric,
  type StoredCertificate,
} from '../shared/index.js';
import type { NotifySigner } from './wechatpay.notifier.js';
import { digits } from './wechatpay.refunds.js';

/**
 * The simulator's identities, persisted under its data dir: the merchant's API certificate (requests
 * are verified against it), WeChat's platform certificates and platform public key (responses and
 * notifies are signed with them), and the APIv3 key.
 */
export class WechatPayKeys {
  private forger: string | undefined;

  private constructor(
    readonly merchantCert: StoredCertificate,
    /** Oldest first; the newest signs. Two simulate a rotation overlap. */
    readonly platformCerts: readonly StoredCertificate[],
    readonly publicKeyId: string,
    readonly publicKeyPem: string,
    private readonly publicKeyPrivatePem: string,
    readonly apiV3Key: string,
  ) {}

  static async load(
    dataDir: string,
    mchid: string,
    platformCertificateCount: number,
  ): Promise<WechatPayKeys> {
    const merchantCert = await loadOrCreateCertificate(dataDir, 'merchant-apiclient', {
      subject: {
        commonName: `${mchid}`,
        organizationalUnit: 'Tenpay.com',
        organization: '微信商户系统',
        country: 'CN',
      },
    });
    const platformCerts: StoredCertificate[] = [];
    for (let i = 1; i <= platformCertificateCount; i++) {
      platformCerts.push(
        await loadOrCreateCertificate(dataDir, `platform-cert-${i}`, {
          subject: { commonName: 'Tenpay.com Root CA sim', organization: 'Tenpay.com', country: 'CN' },
        }),
      );
    }
    const publicKeyPair = await loadOrCreateKeyPair(dataDir, 'platform-public-key');
    const publicKeyId = await loadOrCreateSecret(
      dataDir,
      'platform-public-key-id',
      () => `PUB_KEY_ID_01${digits(32)}`,
    );
    const apiV3Key = await loadOrCreateSecret(dataDir, 'apiv3-key', () => randomAlphanumeric(32));
    return new WechatPayKeys(
      merchantCert,
      platformCerts,
      publicKeyId,
      publicKeyPair.publicKeyPem,
      publicKeyPair.privateKeyPem,
      apiV3Key,
    );
  }

  /** Signs with the platform public key's private half (public-key mode). */
  get publicKeySigner(): NotifySigner {
    return { serial: this.publicKeyId, privateKeyPem: this.publicKeyPrivatePem };
  }

  /** Signs with the platform certificate of that serial, or the newest (certificate mode). */
  certificateSigner(serial?: string): NotifySigner {
    const newest = this.platformCerts[this.platformCerts.length - 1] as StoredCertificate;
    const c = this.platformCerts.find((p) => p.serialNo === serial?.toUpperCase()) ?? newest;
    return { serial: c.serialNo, privateKeyPem: c.privateKeyPem };
  }

  /** A key WeChat never had, for forged response signatures (made on first use). */
  forgerKey(): string {
    return (this.forger ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString());
  }
}
