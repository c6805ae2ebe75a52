import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { letheFromContext } from './deployment.ts';

/** The CDK app: one stack, every construct nag-checked at synth. */
const app = new App();
letheFromContext(app);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
