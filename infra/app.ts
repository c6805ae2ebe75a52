import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LetheStack } from './lethe-stack.ts';

/** The CDK app: one stack, every construct nag-checked at synth. Works offline (no lookups). */
const app = new App();
new LetheStack(app, 'Lethe', {
  env: { region: app.node.tryGetContext('region') ?? 'eu-west-2', account: process.env.CDK_DEFAULT_ACCOUNT },
  mailDomain: app.node.tryGetContext('mailDomain'),
  complianceEmail: app.node.tryGetContext('complianceEmail'),
  alarmEmail: app.node.tryGetContext('alarmEmail'),
  registryFile: app.node.tryGetContext('registryFile'),
  authDomainPrefix: app.node.tryGetContext('authDomainPrefix'),
  customerDirectory: app.node.tryGetContext('customerDirectory'),
  apiDomain: app.node.tryGetContext('apiDomain'),
  apiCertificateArn: app.node.tryGetContext('apiCertificateArn'),
  mailIdentity: app.node.tryGetContext('mailIdentity'),
  answerFloorMs: app.node.tryGetContext('answerFloorMs'),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
