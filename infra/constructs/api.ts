import { Validations } from 'aws-cdk-lib';
import { type CfnStage, type DomainName, HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { type FunctionName, ROUTES } from '../routes.ts';

export const CALLBACK_ROUTE = 'POST /callbacks/{taskId}';

export interface ApiProps {
  readonly functions: Record<FunctionName, IFunction>;
  readonly jwtIssuer: string;
  readonly jwtAudience: string[];
  /** The only way in: the default execute-api endpoint is disabled. */
  readonly domain: DomainName;
}

/** The HTTP API from the shared route table, on its custom domain only, throttled at the stage, JWT on /admin. */
export class Api extends Construct {
  readonly api: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Http', { createDefaultStage: true, disableExecuteApiEndpoint: true, defaultDomainMapping: { domainName: props.domain } });
    const authorizer = new HttpJwtAuthorizer('Compliance', props.jwtIssuer, { jwtAudience: props.jwtAudience });
    const integrations = new Map<string, HttpLambdaIntegration>();
    let callbackRoute: HttpRoute | undefined;
    for (const r of ROUTES) {
      const integration = integrations.get(r.fn) ?? new HttpLambdaIntegration(`${r.fn}Integration`, props.functions[r.fn]);
      integrations.set(r.fn, integration);
      const routes = this.api.addRoutes({
        path: r.path,
        methods: [HttpMethod[r.method as keyof typeof HttpMethod]],
        integration,
        ...('auth' in r ? { authorizer } : {}),
      });
      if (`${r.method} ${r.path}` === CALLBACK_ROUTE) [callbackRoute] = routes;
      if (!('auth' in r)) {
        for (const route of routes) {
          Validations.of(route).acknowledge({
            id: 'AwsSolutions-APIG4',
            reason: 'Public by design: the form, the signed-link verification, the token-guarded status page and signed processor callbacks authenticate in the handler.',
          });
        }
      }
    }
    const logs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.SIX_MONTHS });
    const stage = this.api.defaultStage?.node.defaultChild as CfnStage;
    // Stage throttling on top of the per-IP and per-email limits the intake applies itself. Processor
    // callbacks get a bucket of their own, so that a flood of form posts cannot starve them.
    stage.defaultRouteSettings = { throttlingBurstLimit: 50, throttlingRateLimit: 20 };
    // RouteSettings is free-form JSON to CloudFormation: its keys are written as CloudFormation spells them.
    stage.routeSettings = { [CALLBACK_ROUTE]: { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 } };
    // API Gateway refuses a stage whose RouteSettings name a route not yet made ("Unable to find Route by key"),
    // and nothing else orders the two: the stage waits for it.
    if (!callbackRoute) throw new Error(`no route ${CALLBACK_ROUTE} to throttle`);
    stage.node.addDependency(callbackRoute);
    stage.accessLogSettings = {
      destinationArn: logs.logGroupArn,
      // No query strings: the verify and status tokens travel there.
      format: JSON.stringify({ requestId: '$context.requestId', route: '$context.routeKey', status: '$context.status', latency: '$context.responseLatency' }),
    };
  }
}
