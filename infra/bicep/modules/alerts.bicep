import { tagSet } from 'types.bicep'

// The seed's four alert rules ("Monitoring & Alerting"), as log search alerts on Application Insights.
// The app emits no custom metrics: the signal is the Durable Task tracking events the Functions host writes to
// `traces` (Category "Host.Triggers.DurableTask": prop__functionName = the runbook, prop__instanceId,
// prop__state = Started / Completed / Failed / Terminated, prop__reason on failure). Severity follows the
// seed: critical = 0, high = 1, medium = 2. Azure Monitor evaluates them, so they fire even when the control
// plane itself is down (no runs is also a failure).

@description('Azure location of the rules (the control-plane region).')
param location string

@description('Name prefix of the rules and the action group.')
param namePrefix string

@description('Resource id of the Application Insights component the rules query.')
param appInsightsId string

@description('Where alert notifications go.')
param alertEmail string

@description('Seed backup_failure: the backup success rate below this percentage (0.99) alerts.')
@minValue(1)
@maxValue(100)
param backupSuccessPercentMin int = 99

@description('Seed dr_test_failure: the DR test success rate below this percentage (0.9) alerts.')
@minValue(1)
@maxValue(100)
param drTestSuccessPercentMin int = 90

@description('The backup runbooks (the registry\'s Backup category) whose runs make the backup success rate.')
param backupRunbooks string[] = [
  'BackupDatabase'
  'CheckWalArchive'
  'BackupConfiguration'
  'BackupApplicationState'
  'BackupMetrics'
  'BackupLogs'
]

@description('Seed rto_violation: each recovery runbook and its RTO in seconds, by the tier it restores (critical 15 min, standard 1 h, full system 24 h). A run still going past its RTO counts too.')
param rtoTargets {
  @description('Orchestrator (runbook) name.')
  runbook: string
  @description('RTO of the tier the runbook restores, in seconds.')
  seconds: int
}[] = [
  { runbook: 'Failover', seconds: 900 } // critical services: the service moves to the standby region
  { runbook: 'RecoverDatabase', seconds: 3600 } // standard: PITR or a full restore of the database
  { runbook: 'RestoreApplicationState', seconds: 3600 } // standard: sessions, queue, model cache
  { runbook: 'RecoverRegion', seconds: 86400 } // full system recovery from the backup store alone
]

@description('Seed rpo_violation: for each data class, the runbook that proves a recovery point, and the age (minutes) of its newest success beyond which more than the RPO would be lost: the schedule\'s interval plus the RPO (database: WAL proven every 15 min + 5; file storage: application state every 30 min + 15; configuration: every 6 h + 1 h). Keep in step with Schedules.')
param rpoChecks {
  @description('The seed\'s data class.')
  dataClass: string
  @description('The runbook whose completed run is a recovery point.')
  runbook: string
  @description('Oldest acceptable age of its newest completed run, in minutes.')
  maxAgeMinutes: int
}[] = [
  { dataClass: 'database', runbook: 'CheckWalArchive', maxAgeMinutes: 20 }
  { dataClass: 'file-storage', runbook: 'BackupApplicationState', maxAgeMinutes: 45 }
  { dataClass: 'configuration', runbook: 'BackupConfiguration', maxAgeMinutes: 420 }
]

@description('Seed dr_test_failure: runbooks whose runs are DR tests (a planned failover and back, a restore into a new directory).')
param drTestRunbooks string[] = [
  'Switchover'
  'Failback'
  'RestoreBackupToNode'
]

@description('Seed dr_test_failure: any runbook started with an instance id with this prefix (`?instanceId=` on the HTTP starter) is a DR test too, e.g. a drill of RecoverDatabase or RecoverRegion.')
param drTestInstancePrefix string = 'drtest-'

param tags tagSet = {}

// The tracking events of orchestrations, one row per event, with the fields every rule uses (trimmed: a blank
// line would end the query).
var orchestrationEvents = trim('''
traces
| where tostring(customDimensions.Category) == "Host.Triggers.DurableTask"
| where tostring(customDimensions.prop__functionType) == "Orchestrator"
| where tolower(tostring(customDimensions.prop__isReplay)) != "true"
| extend runbook = tostring(customDimensions.prop__functionName), instanceId = tostring(customDimensions.prop__instanceId), state = tostring(customDimensions.prop__state)
''')

// No run in the window is a failure too (rate 0): the schedules run backups every 15 minutes.
var backupQuery = format('''
let backupRunbooks = dynamic({0});
{1}
| where runbook in (backupRunbooks) and state in ("Completed", "Failed", "Terminated")
| summarize runs = count(), succeeded = countif(state == "Completed")
| extend successPercent = iff(runs == 0, 0.0, 100.0 * succeeded / runs)
| where successPercent < {2}
''', string(backupRunbooks), orchestrationEvents, backupSuccessPercentMin)

// One row per recovery run that ended, or still runs, past its RTO; split by instance, so each violating run
// is one alert (stateful: notified once, resolved when the run leaves the two-day window).
var rtoQuery = format('''
let targets = datatable(runbook: string, targetSeconds: long) [{0}];
{1}
| where runbook in (targets | project runbook)
| summarize startedAt = minif(timestamp, state == "Started"), endedAt = maxif(timestamp, state in ("Completed", "Failed", "Terminated")) by runbook, instanceId
| where isnotnull(startedAt)
| join kind=inner targets on runbook
| where coalesce(endedAt, now()) > startedAt + targetSeconds * 1s
| project runbook, instanceId, startedAt, endedAt, targetSeconds
''', join(map(rtoTargets, t => '"${t.runbook}", ${t.seconds}'), ', '), orchestrationEvents)

// Data loss beyond the RPO, as far as the control plane can see it: a recovery point older than the RPO allows
// (the newest completed run of the class's runbook), or a failover refused because the standby lags more
// than the database RPO (AssessFailover's refusal).
var rpoQuery = format('''
let expected = datatable(dataClass: string, runbook: string, maxAgeMinutes: long) [{0}];
let lastGood = {1}
| where state == "Completed"
| summarize lastCompleted = max(timestamp) by runbook;
let stale = expected
| join kind=leftouter lastGood on runbook
| where isnull(lastCompleted) or lastCompleted < ago(maxAgeMinutes * 1m)
| project dataClass;
let refused = traces
| where tostring(customDimensions.Category) == "Host.Triggers.DurableTask"
| where tostring(customDimensions.prop__state) == "Failed"
| where tostring(customDimensions.prop__reason) has "over the database RPO"
| project dataClass = "database";
union stale, refused
| summarize violations = count() by dataClass
''', join(map(rpoChecks, c => '"${c.dataClass}", "${c.runbook}", ${c.maxAgeMinutes}'), ', '), orchestrationEvents)

// The success rate of the DR tests that ended in the window; no test in the window is no rate.
var drTestQuery = format('''
let testRunbooks = dynamic({0});
{1}
| where state in ("Completed", "Failed", "Terminated")
| where runbook in (testRunbooks) or instanceId startswith "{2}"
| summarize tests = count(), passed = countif(state == "Completed")
| where tests > 0 and 100.0 * passed / tests < {3}
''', string(drTestRunbooks), orchestrationEvents, drTestInstancePrefix, drTestSuccessPercentMin)

var rules = [
  {
    key: 'backup-failure'
    displayName: 'DR: backup success rate below ${backupSuccessPercentMin}%'
    description: 'Seed backup_failure (backup_success_rate < 0.99, critical): backup runbooks over the last day. Action: immediate investigation (`dr backup runs`, `dr runs --runbook NAME`).'
    severity: 0
    query: backupQuery
    frequency: 'PT1H'
    window: 'P1D'
    dimensions: []
  }
  {
    key: 'rto-violation'
    displayName: 'DR: recovery took longer than its RTO'
    description: 'Seed rto_violation (recovery_time > rto_target, high): a recovery runbook ran, or still runs, past the RTO of the tier it restores. Action: process review (`dr runs show ID`: the step timeline).'
    severity: 1
    query: rtoQuery
    frequency: 'PT5M'
    window: 'P2D'
    dimensions: [
      'runbook'
      'instanceId'
    ]
  }
  {
    key: 'rpo-violation'
    displayName: 'DR: data loss would exceed the RPO'
    description: 'Seed rpo_violation (data_loss > rpo_target, critical): the newest recovery point of a data class is older than its RPO allows, or a failover was refused for standby lag beyond the database RPO. Action: incident response.'
    severity: 0
    query: rpoQuery
    frequency: 'PT5M'
    window: 'PT12H'
    dimensions: [
      'dataClass'
    ]
  }
  {
    key: 'dr-test-failure'
    displayName: 'DR: DR test success rate below ${drTestSuccessPercentMin}%'
    description: 'Seed dr_test_failure (dr_test_success_rate < 0.9, medium): DR tests that ended in the last two days (the longest window a log alert reads; the monthly and quarterly view is in the run records, `dr runs`). Action: procedure review.'
    severity: 2
    query: drTestQuery
    frequency: 'PT1H'
    window: 'P2D'
    dimensions: []
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${namePrefix}-dr-alerts'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'dralerts'
    enabled: true
    emailReceivers: [
      {
        name: 'dr-oncall'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: '${namePrefix}-${rule.key}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.displayName
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        appInsightsId
      ]
      evaluationFrequency: rule.frequency
      windowSize: rule.window
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            dimensions: [
              for dimension in rule.dimensions: {
                name: dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Stateful: one notification when a condition starts, one when it clears, none in between.
      autoMitigate: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
      }
    }
  }
]

output actionGroupId string = actionGroup.id
output ruleNames string[] = [for (rule, i) in rules: alertRules[i].name]
