/**
 * A deployment's name (`-c name=…`) and every name of the account that derives from it. Secrets,
 * the SES configuration set, the state machine, the dashboard and the console's sign-in domain are
 * named, not left to CloudFormation, and such names are unique in an account (and region, but for
 * the dashboard, which is account-wide): two deployments side by side, a shop's production and its
 * staging, need two sets of them. The default name gives exactly the names a stack had before the
 * option existed, so an existing deployment is neither renamed nor replaced.
 */
export const DEFAULT_NAME = 'lethe';

/** An account id is 12 digits, which the synth may not know yet. */
const ACCOUNT_ID_LENGTH = 12;

export interface DeploymentNames {
  readonly name: string;
  /** The CloudFormation stack: `Lethe` for the default, as it always was. */
  readonly stackId: string;
  readonly appSecret: string;
  readonly customerDirectorySecret: string;
  readonly shopSecret: string;
  readonly originSecret: string;
  readonly configurationSet: string;
  /** Named, not generated: the functions and their policies name the machine that invokes them (a cycle by reference). */
  readonly stateMachine: string;
  readonly dashboard: string;
  /** The custom metrics' namespace, which the alarms watch: a deployment's failures alarm its own team only. */
  readonly metricsNamespace: string;
  readonly authDomainPrefix: (account: string) => string;
  readonly apiDomain: (mailDomain: string) => string;
}

export function deploymentNames(name: string): DeploymentNames {
  const stackId = `${name[0].toUpperCase()}${name.slice(1)}`;
  return {
    name,
    stackId,
    appSecret: `${name}/app`,
    customerDirectorySecret: `${name}/customer-directory`,
    shopSecret: `${name}/shop`,
    originSecret: `${name}/origin`,
    configurationSet: name,
    stateMachine: `${name}-privacy-requests`,
    dashboard: stackId,
    metricsNamespace: stackId,
    authDomainPrefix: (account) => `${name}-${account}`,
    // The default keeps the name its DNS record and certificate already have.
    apiDomain: (mailDomain) => (name === DEFAULT_NAME ? `api.privacy.${mailDomain}` : `api-${name}.privacy.${mailDomain}`),
  };
}

/** Where a name's own value replaces what the deployment name would derive. */
export interface NameOverrides {
  readonly authDomainPrefix?: string;
  readonly apiDomain?: string;
}

/**
 * The derived names AWS limits, with the limit: the longest a name may be is the shortest of these
 * less what each adds (the Cognito prefix, 50 characters, unless -c authDomainPrefix replaces it).
 */
function limited(n: DeploymentNames, overrides: NameOverrides): { what: string; value: string; length?: number; limit: number }[] {
  const prefix = n.authDomainPrefix('<account>');
  return [
    ...(overrides.authDomainPrefix ? [] : [{ what: "the console's sign-in domain prefix (Cognito)", value: prefix, length: prefix.length - '<account>'.length + ACCOUNT_ID_LENGTH, limit: 63 }]),
    ...(overrides.apiDomain ? [] : [{ what: "the first label of the API's domain (DNS)", value: n.apiDomain('').split('.')[0], limit: 63 }]),
    { what: 'the SES configuration set', value: n.configurationSet, limit: 64 },
    { what: 'the state machine', value: n.stateMachine, limit: 80 },
    { what: 'the CloudFormation stack', value: n.stackId, limit: 128 },
    { what: 'the CloudWatch dashboard', value: n.dashboard, limit: 255 },
    { what: 'the customer directory secret', value: n.customerDirectorySecret, limit: 512 },
  ];
}

/** The deployment name from -c name, checked at synth: a name AWS would refuse fails here, naming the option, not halfway through a deploy. */
export function deploymentName(value: unknown, overrides: NameOverrides = {}): string {
  if (value === undefined) return DEFAULT_NAME;
  const option = `-c name=${JSON.stringify(value)}`;
  if (typeof value !== 'string' || !/^[a-z](?:[a-z0-9-]*[a-z0-9])?$/.test(value)) {
    throw new Error(
      `${option}: a deployment name is lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. -c name=lethe-staging. It names the stack, its secrets, its state machine and its sign-in domain (docs/deploying.md).`,
    );
  }
  const names = deploymentNames(value);
  for (const { what, value: derived, length = derived.length, limit } of limited(names, overrides)) {
    if (length > limit) {
      const longest = limit - (length - value.length);
      throw new Error(`${option} makes ${what} ${derived}, ${length} characters, over the ${limit} allowed: choose a name of at most ${longest} characters.`);
    }
  }
  const reserved = overrides.authDomainPrefix ? undefined : ['aws', 'amazon', 'cognito'].find((w) => value.includes(w));
  if (reserved) {
    throw new Error(`${option}: Cognito refuses a sign-in domain prefix containing "${reserved}" (${names.authDomainPrefix('<account>')}): choose another name, or give the prefix with -c authDomainPrefix=….`);
  }
  return value;
}
