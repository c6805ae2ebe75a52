import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Dashboard, GraphWidget, type IMetric, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { METRICS } from '../../functions/core/metrics.ts';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The alarms the README documents: name, metric and threshold in one place. */
export const ALARMS = {
  ExecutionsFailed: { metric: 'AWS/States ExecutionsFailed', threshold: 1, why: 'a request stopped without an outcome' },
  TasksTimedOut: { metric: 'Lethe TasksTimedOut', threshold: 1, why: 'a processor did not answer in time; the task waits for a human' },
  TasksFailed: { metric: 'Lethe TasksFailed', threshold: 1, why: 'a processor could not be reached or reported a failure; the task waits for a human' },
  ProcessorEndpointGone: { metric: 'Lethe ProcessorEndpointGone', threshold: 1, why: 'a processor endpoint answered 410 and was disabled' },
  MailFailed: { metric: 'Lethe MailFailed', threshold: 1, why: 'an email could not be sent; the request shows "mail failed" in the console, which can resend it' },
  OverdueRequests: { metric: 'Lethe OverdueRequests', threshold: 1, why: 'a request is past its legal deadline' },
  // The sweeper mails the team once when a complaint goes past its 30 days; the alarm keeps saying so until it is acknowledged.
  OverdueComplaints: { metric: 'Lethe OverdueComplaints', threshold: 1, why: 'a complaint is past its 30 days to be acknowledged (DPA 2018 s.164A)' },
  Api5xx: { metric: 'AWS/ApiGateway 5xx', threshold: 1, why: 'the API answered with a server error' },
  Throttles: { metric: 'AWS/Lambda Throttles (account)', threshold: 1, why: 'a function was throttled' },
  FunctionErrors: { metric: 'AWS/Lambda Errors (account)', threshold: 5, why: 'functions are failing' },
  // Each run is one asynchronous invocation that Lambda tries three times: a sweeper failing every run
  // makes 3 errors a quarter-hour, which FunctionErrors never reaches, and its OverdueRequests metric
  // goes missing, which counts as not breaching. Two quarter-hours in a row: a lasting failure, not a retried one.
  SweeperFailed: { metric: 'AWS/Lambda Errors (sweeper)', threshold: 1, periods: 2, why: 'the sweeper failed in two runs in a row: owed emails, executions, reminders and overdue flags wait until it runs again' },
  // The account's reputation as SES computes it (fractions of the mail it sent): at these rates SES puts
  // the account under review, at twice the bounce rate and five times the complaint rate it may pause
  // sending, and every requester's link then fails. Anyone can type an address into the form.
  SesBounceRate: { metric: 'AWS/SES Reputation.BounceRate (account, max)', threshold: 0.05, why: 'SES bounce rate at 5%: SES reviews the account at this rate and may pause its sending at 10%' },
  SesComplaintRate: { metric: 'AWS/SES Reputation.ComplaintRate (account, max)', threshold: 0.001, why: 'SES complaint rate at 0.1%: SES reviews the account at this rate and may pause its sending at 0.5%' },
} as const satisfies Record<string, { metric: string; threshold: number; periods?: number; why: string }>;

export class Monitoring extends Construct {
  readonly topic: Topic;

  constructor(scope: Construct, id: string, props: { namespace: string; dashboardName: string; machine: StateMachine; api: HttpApi; sweeper: LambdaFunction; alarmEmail: string }) {
    super(scope, id);
    // A key of its own: CloudWatch must encrypt what it publishes, and the data key is not for it.
    const key = new Key(this, 'AlarmsKey', { enableKeyRotation: true, description: 'Lethe alarm topic', removalPolicy: RemovalPolicy.RETAIN });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.topic = new Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    // An alarm that reaches nobody is no alarm: the compliance mailbox subscribes (it must confirm once).
    this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    // Dimensions exactly as Powertools emits them: an alarm matches the whole dimension set.
    const custom = (name: string, statistic = 'Sum') =>
      new Metric({ namespace: props.namespace, metricName: name, dimensionsMap: { service: METRICS.service }, statistic, period: Duration.minutes(15) });
    const metrics: Record<keyof typeof ALARMS, IMetric> = {
      ExecutionsFailed: props.machine.metricFailed({ period: Duration.minutes(5) }),
      TasksTimedOut: custom('TasksTimedOut'),
      TasksFailed: custom('TasksFailed'),
      ProcessorEndpointGone: custom('ProcessorEndpointGone'),
      MailFailed: custom('MailFailed'),
      OverdueRequests: custom('OverdueRequests', 'Maximum'),
      OverdueComplaints: custom('OverdueComplaints', 'Maximum'),
      Api5xx: props.api.metricServerError({ period: Duration.minutes(5) }),
      // Account-wide Lambda figures: an alarm's math may hold at most ten metrics, and Lethe has more functions.
      Throttles: LambdaFunction.metricAllThrottles({ period: Duration.minutes(5), statistic: 'Sum' }),
      FunctionErrors: LambdaFunction.metricAllErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      SweeperFailed: props.sweeper.metricErrors({ period: Duration.minutes(15), statistic: 'Sum' }),
      SesBounceRate: new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.hours(1) }),
      SesComplaintRate: new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum', period: Duration.hours(1) }),
    };
    for (const [name, m] of Object.entries(metrics)) {
      const spec: { threshold: number; periods?: number; why: string } = ALARMS[name as keyof typeof ALARMS];
      new Alarm(this, name, {
        metric: m,
        threshold: spec.threshold,
        evaluationPeriods: spec.periods ?? 1,
        datapointsToAlarm: spec.periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: spec.why,
      }).addAlarmAction(new SnsAction(this.topic));
    }
    new Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      widgets: [Object.entries(metrics).map(([name, m]) => new GraphWidget({ title: name, left: [m], width: 8 }))],
    });
  }
}
