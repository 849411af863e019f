/**
 * Scriptable fault injection shared by the simulators.
 *
 * A rule names an endpoint (`'refund.create'`, `'notify.deliver'`, …), optionally an id (out_refund_no,
 * out_trade_no, out_request_no), optionally which matching calls it hits (1-based, counted per
 * endpoint+id when an id is given, else per endpoint), and a `times` budget. The engine only decides
 * WHICH faults apply to a call; each simulator interprets the kinds it supports and refuses the others
 * when the rule is added, so a typo in a test fails loudly instead of silently injecting nothing.
 */

export type ForcedRefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export type FaultKind =
  // request/response faults
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'timeoutAfterApply'; readonly hangMs?: number }
  | { readonly kind: 'timeoutBeforeApply'; readonly hangMs?: number }
  | { readonly kind: 'connectionReset'; readonly afterApply?: boolean }
  | { readonly kind: 'httpError'; readonly status: number; readonly code: string; readonly message: string }
  | { readonly kind: 'systemErrorThenSuccess' }
  | { readonly kind: 'rateLimited' }
  | { readonly kind: 'insufficientBalance' }
  | { readonly kind: 'userAccountAbnormal' }
  | { readonly kind: 'forceStatus'; readonly status: ForcedRefundStatus }
  | {
      readonly kind: 'badResponseSignature';
      /** Default 'forgedSignature'. */
      readonly mode?: 'forgedSignature' | 'tamperedBody' | 'unknownSerial' | 'staleTimestamp';
    }
  // notify faults
  | { readonly kind: 'duplicate'; readonly count: number }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'drop' }
  | { readonly kind: 'forgeSignature' }
  | { readonly kind: 'corruptCiphertext' }
  | { readonly kind: 'signatureProbe' }
  // escape hatch for simulator-specific faults (e.g. Alipay sub_codes) without changing this union
  | { readonly kind: 'custom'; readonly name: string; readonly params?: Readonly<Record<string, unknown>> };

export type FaultKindName = FaultKind['kind'];

export interface FaultRuleInput {
  readonly endpoint: string;
  /** Only calls about this id match (out_refund_no / out_trade_no / out_request_no). */
  readonly id?: string | undefined;
  /** 1-based indices of matching calls to hit, or 'every' (default: every call, subject to `times`). */
  readonly calls?: readonly number[] | 'every' | undefined;
  /** How many times the rule may fire. Default: calls.length for a list, unlimited for 'every', 1 when omitted. */
  readonly times?: number | 'unlimited' | undefined;
  readonly fault: FaultKind;
}

export interface FaultRule extends FaultRuleInput {
  readonly ruleId: string;
  remaining: number;
  fired: number;
}

export interface FaultFiring {
  readonly ruleId: string;
  readonly endpoint: string;
  readonly id: string | undefined;
  readonly call: number;
  readonly fault: FaultKind;
  readonly at: Date;
}

export class UnsupportedFaultError extends Error {
  override readonly name = 'UnsupportedFaultError';
}

export interface FaultEngine {
  add(rule: FaultRuleInput): FaultRule;
  remove(ruleId: string): boolean;
  clear(): void;
  list(): readonly FaultRule[];
  /** Counts this call and returns the faults that apply to it, in rule order. */
  take(endpoint: string, id?: string): FaultKind[];
  /** Every firing so far, for assertions. */
  history(): readonly FaultFiring[];
}

export interface FaultEngineOptions {
  /** Endpoint names → fault kinds this simulator implements there. Anything else is refused by add(). */
  readonly supported: Readonly<Record<string, readonly FaultKindName[]>>;
  readonly now?: () => Date;
}

export function createFaultEngine(options: FaultEngineOptions): FaultEngine {
  const rules: FaultRule[] = [];
  const counters = new Map<string, number>();
  const firings: FaultFiring[] = [];
  let nextId = 1;
  const now = options.now ?? (() => new Date());

  const count = (key: string): number => {
    const n = (counters.get(key) ?? 0) + 1;
    counters.set(key, n);
    return n;
  };

  return {
    add(input) {
      validateRule(input, options.supported);
      const rule: FaultRule = { ...input, ruleId: `fault-${nextId++}`, remaining: budgetOf(input), fired: 0 };
      rules.push(rule);
      return rule;
    },
    remove(ruleId) {
      const i = rules.findIndex((r) => r.ruleId === ruleId);
      if (i < 0) return false;
      rules.splice(i, 1);
      return true;
    },
    clear() {
      rules.length = 0;
      counters.clear();
    },
    list: () => rules,
    take(endpoint, id) {
      const endpointCall = count(endpoint);
      const idCall = id === undefined ? undefined : count(`${endpoint}\u0000${id}`);
      const hits: FaultKind[] = [];
      for (const rule of rules) {
        if (rule.endpoint !== endpoint || rule.remaining <= 0) continue;
        if (rule.id !== undefined && rule.id !== id) continue;
        const call = rule.id !== undefined ? (idCall ?? endpointCall) : endpointCall;
        if (Array.isArray(rule.calls) && !rule.calls.includes(call)) continue;
        rule.remaining -= 1;
        rule.fired += 1;
        hits.push(rule.fault);
        firings.push({ ruleId: rule.ruleId, endpoint, id, call, fault: rule.fault, at: now() });
      }
      return hits;
    },
    history: () => firings,
  };
}

function budgetOf(input: FaultRuleInput): number {
  if (input.times === 'unlimited') return Number.POSITIVE_INFINITY;
  if (input.times !== undefined) return input.times;
  if (Array.isArray(input.calls)) return input.calls.length;
  return input.calls === 'every' ? Number.POSITIVE_INFINITY : 1;
}

function validateRule(
  input: FaultRuleInput,
  supported: Readonly<Record<string, readonly FaultKindName[]>>,
): void {
  const kinds = supported[input.endpoint];
  if (!kinds) {
    throw new UnsupportedFaultError(
      `unknown fault endpoint '${input.endpoint}' (supported: ${Object.keys(supported).join(', ')})`,
    );
  }
  if (!kinds.includes(input.fault.kind)) {
    throw new UnsupportedFaultError(
      `fault '${input.fault.kind}' is not supported on '${input.endpoint}' (supported: ${kinds.join(', ')})`,
    );
  }
  if (Array.isArray(input.calls) && input.calls.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UnsupportedFaultError('fault calls must be 1-based integers');
  }
  if (typeof input.times === 'number' && !(input.times > 0))
    throw new UnsupportedFaultError('fault times must be > 0');
}

/** Helper for simulators: the first fault of a given kind among the hits, typed. */
export function findFault<K extends FaultKindName>(
  hits: readonly FaultKind[],
  kind: K,
): Extract<FaultKind, { kind: K }> | undefined {
  return hits.find((f): f is Extract<FaultKind, { kind: K }> => f.kind === kind);
}
