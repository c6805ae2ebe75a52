import type { App } from 'aws-cdk-lib';
import { LetheStack } from './lethe-stack.ts';
import { deploymentName, deploymentNames } from './names.ts';

/** The stack as `cdk synth` makes it, from the app's context (-c key=value, cdk.json). Works offline (no lookups). */
export function letheFromContext(app: App, account = process.env.CDK_DEFAULT_ACCOUNT): LetheStack {
  const context = (key: string) => app.node.tryGetContext(key);
  const name = deploymentName(context('name'), { authDomainPrefix: context('authDomainPrefix'), apiDomain: context('apiDomain') });
  return new LetheStack(app, deploymentNames(name).stackId, {
    name,
    env: { region: context('region') ?? 'eu-west-2', account },
    mailDomain: context('mailDomain'),
    complianceEmail: context('complianceEmail'),
    alarmEmail: context('alarmEmail'),
    registryFile: context('registryFile'),
    authDomainPrefix: context('authDomainPrefix'),
    customerDirectory: context('customerDirectory'),
    apiDomain: context('apiDomain'),
    apiCertificateArn: context('apiCertificateArn'),
    mailIdentity: context('mailIdentity'),
    answerFloorMs: context('answerFloorMs'),
    originSecretVersion: context('originSecretVersion'),
  });
}
