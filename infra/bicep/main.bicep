import { appSettingMap, backupRetention, databaseRegion, tagSet } from 'modules/types.bicep'

// CausalEval.Dr control plane on Azure: the Functions app that runs the DR orchestrations, its task hub, the
// backups stores, the secrets, the telemetry and the seed's alerts. Everything the control plane needs lives
// in the control-plane region, which must not be the primary region: the orchestrations have to outlive the
// primary region to fail it over. Deploy into a resource group in that region:
//   az deployment group create -g RG --parameters infra/bicep/main.bicepparam
// Then: set each of secretNames (and databasePasswordSecretName) as a Key Vault secret, upload the Functions
// package to the packageUploadUri output, and restart the app (Key Vault references are read at start).
targetScope = 'resourceGroup'

@description('Prefix of every resource name: lowercase letters, digits and "-", starting with a letter.')
@minLength(3)
@maxLength(12)
param namePrefix string

@description('Azure location of the control plane (Functions app, task hub, Key Vault, telemetry, alerts). Not the primary region\'s.')
param controlPlaneLocation string = resourceGroup().location

@description('The database regions of the DR topology: one near backups account each, and their Topology:Regions settings.')
@minLength(1)
param regions databaseRegion[]

@description('Azure location of the far backups account, the store the control plane writes to (backups, WAL, run records, the DR state). Outside every database region; by default the control-plane region.')
param farLocation string = controlPlaneLocation

@description('Redundancy of the far account: geo-redundant, so a copy also survives the far region (RA-: readable there during an outage).')
@allowed([
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param farSku string = 'Standard_RAGZRS'

@description('Redundancy of the near accounts (fast restores inside a region).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param nearSku string = 'Standard_ZRS'

@description('Redundancy of the task hub account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param taskHubSku string = 'Standard_ZRS'

@description('Blob container of the backups (Storage:Container).')
@minLength(3)
@maxLength(63)
param backupsContainerName string = 'dr-backups'

@description('The seed\'s retention table ("Backup Automation"), by the key prefixes of docs/architecture.md. database: 30 days; wal (the 15-minute incremental, the PITR window): 7; configuration: 14; application-state: 3; metrics: 90; logs: 365.')
param backupRetentionTable backupRetention[] = [
  { prefix: 'database/', retentionDays: 30, coolAfterDays: 0 }
  { prefix: 'wal/', retentionDays: 7, coolAfterDays: 0 }
  { prefix: 'configuration/', retentionDays: 14, coolAfterDays: 0 }
  { prefix: 'application-state/', retentionDays: 3, coolAfterDays: 0 }
  { prefix: 'metrics/', retentionDays: 90, coolAfterDays: 30 }
  { prefix: 'logs/', retentionDays: 365, coolAfterDays: 30 }
]

@description('Days a previous blob version is kept beyond its kind\'s retention: how long a backup deleted by mistake or by an attacker can still be brought back.')
@minValue(1)
param versionGraceDays int = 14

@description('Days deleted blobs and containers stay recoverable (soft delete).')
@minValue(1)
@maxValue(365)
param softDeleteDays int = 14

@description('Version-level immutability (WORM) on the backups containers. Off by default: the app\'s own retention deletes application-state backups within hours, and those deletes would fail while a version is immutable.')
param enableImmutability bool = false

@description('Days each blob version stays immutable when enableImmutability is on.')
@minValue(1)
param immutabilityDays int = 7

@description('Task hub name (host.json: %TaskHubName%).')
param taskHubName string = 'drfunctions'

@description('Blob name of the deployment package in the task hub account\'s package container.')
param packageBlobName string = 'causaleval-dr-functions.zip'

@description('Container image of the app (infra/container/Dockerfile, with the PostgreSQL client for base backups), e.g. myregistry.azurecr.io/causal-eval-dr:1.4; empty runs the package. The identity needs AcrPull on the registry.')
param containerImage string = ''

@description('Instances of the Functions app kept warm at all times.')
@minValue(1)
param alwaysReadyInstances int = 1

@description('Instances the Functions app may scale out to. The control plane is light; a few is plenty.')
@minValue(1)
param maximumInstances int = 4

@description('Subnet for VNet integration of the Functions app (to reach node agents on private addresses); empty for none.')
param subnetId string = ''

@description('Names of the entries of the Secrets section (agent tokens, the DNS provider\'s credentials, Kubernetes tokens). Each is a Key Vault secret of the same name, set by an operator; the app reads it as Secrets:{name}. Letters and digits only (valid both as a Key Vault secret and as a Linux app setting name).')
param secretNames string[]

@description('Name of the Key Vault secret holding the PostgreSQL password of Database:User: the app reads it as Secrets:{name} (Database:PasswordSecret) and gives it to pg_basebackup in that child\'s environment alone; empty: none (certificates or .pgpass). Letters and digits only.')
param databasePasswordSecretName string = ''

@description('Cron (NCRONTAB with seconds) of each scheduled runbook: Schedules:{Name}. The seed\'s "Backup Automation" and "DR Testing Schedule" times, UTC.')
param schedules {
  DatabaseFullBackup: string
  DatabaseIncrementalBackup: string
  WalArchiveCheck: string
  FileStorageBackup: string
  ConfigurationBackup: string
  ApplicationStateBackup: string
  MetricsBackup: string
  LogsBackup: string
  FailoverTest: string
  BackupRestoreTest: string
  FullDrSimulation: string
} = {
  DatabaseFullBackup: '0 0 2 * * *'
  DatabaseIncrementalBackup: '0 */15 * * * *'
  WalArchiveCheck: '0 */15 * * * *'
  FileStorageBackup: '0 */15 * * * *'
  ConfigurationBackup: '0 0 */6 * * *'
  ApplicationStateBackup: '0 */30 * * * *'
  MetricsBackup: '0 0 1 * * *'
  LogsBackup: '0 0 0 * * 0'
  FailoverTest: '0 0 3 1 * *'
  BackupRestoreTest: '0 0 2 */2 * *'
  FullDrSimulation: '0 0 4 1 */3 *'
}

@description('The health monitor (Monitor:*): the seed checks every 30 s and fails over after 3 failed rounds.')
param monitor {
  enabled: bool
  intervalSeconds: int
  failedRoundsToAct: int
  probeTimeoutMs: int
  automaticFailover: bool
} = {
  enabled: true
  intervalSeconds: 30
  failedRoundsToAct: 3
  probeTimeoutMs: 5000
  automaticFailover: true
}

@description('More app settings, "__" for ":": the rest of the DR topology (Topology__Dns__*, Topology__Api__*, Topology__Regions__{name}__Database__Nodes__{i}__*, __Dns__Records__*, __Compute__*, __Cache__*), ApplicationState__*, Database__*, file-set paths. They win over the defaults below but not over the settings this template derives (stores, secrets, schedules, monitor).')
param extraAppSettings appSettingMap = {}

@description('Where the four DR alerts are sent.')
param alertEmail string

@description('Days the Log Analytics workspace keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionDays int = 90

param tags tagSet = {}

// ---- Checks: a deployment that would put the control plane or the far store in harm's way fails early.

var primaryRegions = filter(regions, r => r.role == 'primary')
var primary = length(primaryRegions) == 1
  ? primaryRegions[0]
  : fail('regions: exactly one region must have role "primary" (the DR topology has one).')
var cpLocation = contains([toLower(primary.azureLocation), toLower(primary.location)], toLower(controlPlaneLocation))
  ? fail('controlPlaneLocation "${controlPlaneLocation}" is the primary region\'s: the control plane must outlive the primary region.')
  : controlPlaneLocation
var farStoreLocation = contains(map(regions, r => toLower(r.azureLocation)), toLower(farLocation))
  ? fail('farLocation "${farLocation}" is a database region\'s: the far store must survive the loss of any of them.')
  : farLocation

// ---- Names. Storage accounts and the vault need global uniqueness: a hash of the resource group and prefix.

var suffix = uniqueString(resourceGroup().id, namePrefix)
var compact = take(replace(toLower(namePrefix), '-', ''), 6)
var taskHubAccountName = 'st${compact}hub${take(suffix, 10)}'
var farAccountName = 'st${compact}far${take(suffix, 10)}'
var keyVaultName = '${take(namePrefix, 10)}-kv-${take(suffix, 8)}'
var farSecretName = 'storage-far'
var packageContainerName = 'deployments'

// Key Vault reference to the newest version of a secret; resolved by the app's identity.
func keyVaultReference(vaultName string, secretName string) string =>
  '@Microsoft.KeyVault(SecretUri=https://${vaultName}${environment().suffixes.keyvaultDns}/secrets/${secretName}/)'

func nearSecretName(region string) string => 'storage-near-${region}'

// ---- Resources.

var allTags = union({ application: 'CausalEval.Dr', component: 'dr-control-plane' }, tags)

// The one identity the Functions app runs as. User-assigned, so it exists before the app: its role assignments
// and Key Vault access are in place when the app first starts, and a rebuilt app keeps them. The modules grant
// it only what they own (least privilege, scoped to each resource).
resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: '${namePrefix}-dr-id'
  location: cpLocation
  tags: allTags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: cpLocation
    namePrefix: '${namePrefix}-dr'
    retentionInDays: logRetentionDays
    publisherIdentityName: identity.name
    tags: allTags
  }
}

module keyVault 'modules/keyVault.bicep' = {
  name: 'keyVault'
  params: {
    location: cpLocation
    name: keyVaultName
    readerIdentityName: identity.name
    tags: allTags
  }
}

module taskHub 'modules/taskHubStorage.bicep' = {
  name: 'taskHubStorage'
  params: {
    location: cpLocation
    name: taskHubAccountName
    sku: taskHubSku
    identityName: identity.name
    packageContainerName: packageContainerName
    tags: allTags
  }
}

module farStore 'modules/backupStorage.bicep' = {
  name: 'backups-far'
  params: {
    location: farStoreLocation
    name: farAccountName
    sku: farSku
    containerName: backupsContainerName
    retention: backupRetentionTable
    versionGraceDays: versionGraceDays
    softDeleteDays: softDeleteDays
    enableImmutability: enableImmutability
    immutabilityDays: immutabilityDays
    identityName: identity.name
    keyVaultName: keyVaultName
    connectionStringSecretName: farSecretName
    tags: union(allTags, { store: 'far' })
  }
}

module nearStores 'modules/backupStorage.bicep' = [
  for region in regions: {
    name: 'backups-near-${region.name}'
    params: {
      location: region.azureLocation
      name: 'st${compact}${take(toLower(region.name), 4)}${take(uniqueString(resourceGroup().id, namePrefix, region.name), 8)}'
      sku: nearSku
      containerName: backupsContainerName
      retention: backupRetentionTable
      versionGraceDays: versionGraceDays
      softDeleteDays: softDeleteDays
      enableImmutability: enableImmutability
      immutabilityDays: immutabilityDays
      identityName: identity.name
      keyVaultName: keyVaultName
      connectionStringSecretName: nearSecretName(region.name)
      tags: union(allTags, { store: 'near', region: region.name })
    }
    dependsOn: [
      keyVault
    ]
  }
]

// ---- The app's settings, by the names the code reads (configuration keys, ":" written "__").

// Storage:* is the store every activity uses: backups, WAL, run records and the DR state. It is the far
// account, because the DR state and the run records must be readable after the primary region is lost.
var storageSettings = {
  Storage__Kind: 'azure-blob'
  Storage__ConnectionString: keyVaultReference(keyVaultName, farStore.outputs.connectionStringSecretName)
  Storage__Container: backupsContainerName
}

// The topology's part this template knows: the control plane's location, each region's role, location,
// capacity and its near and far stores (TopologyValidator checks them all at start-up).
var topologySettings = toObject(
  flatten(map(regions, r => [
    { key: 'Topology__Regions__${r.name}__Role', value: r.role }
    { key: 'Topology__Regions__${r.name}__Location', value: r.location }
    { key: 'Topology__Regions__${r.name}__CapacityPercent', value: string(r.capacityPercent) }
    { key: 'Topology__Regions__${r.name}__Stores__Near__Kind', value: 'azure-blob' }
    { key: 'Topology__Regions__${r.name}__Stores__Near__ConnectionString', value: keyVaultReference(keyVaultName, nearSecretName(r.name)) }
    { key: 'Topology__Regions__${r.name}__Stores__Near__Container', value: backupsContainerName }
    { key: 'Topology__Regions__${r.name}__Stores__Far__Kind', value: 'azure-blob' }
    { key: 'Topology__Regions__${r.name}__Stores__Far__ConnectionString', value: keyVaultReference(keyVaultName, farSecretName) }
    { key: 'Topology__Regions__${r.name}__Stores__Far__Container', value: backupsContainerName }
  ])),
  e => e.key,
  e => e.value
)

var secretSettings = toObject(secretNames, name => 'Secrets__${name}', name => keyVaultReference(keyVaultName, name))

var scheduleSettings = toObject(items(schedules), s => 'Schedules__${s.key}', s => s.value)

var monitorSettings = {
  Monitor__Enabled: string(monitor.enabled)
  Monitor__IntervalSeconds: string(monitor.intervalSeconds)
  Monitor__FailedRoundsToAct: string(monitor.failedRoundsToAct)
  Monitor__ProbeTimeoutMs: string(monitor.probeTimeoutMs)
  Monitor__AutomaticFailover: string(monitor.automaticFailover)
  // The control plane's own alerts (receivers under Alerts__Receivers__{name}__… in extraAppSettings); the log alerts below stay as the backstop.
  Alerts__Enabled: 'true'
}

// The file sets local.settings.sample.json names for the Functions host; extraAppSettings may replace them.
var fileSetDefaults = {
  ConfigurationBackup__Paths__0: 'host.json'
  MetricsBackup__BaseDirectory: '/home/site/data'
  MetricsBackup__Paths__0: 'metrics/*.jsonl'
  LogsBackup__BaseDirectory: '/home/LogFiles'
  LogsBackup__Paths__0: '**/*.log'
}

// The password is a secret like the others (Secrets:{name}, a Key Vault reference), named by Database:PasswordSecret;
// it is never a process-wide variable that every child would inherit.
var databaseSettings = empty(databasePasswordSecretName) ? {} : {
  Database__PasswordSecret: databasePasswordSecretName
  'Secrets__${databasePasswordSecretName}': keyVaultReference(keyVaultName, databasePasswordSecretName)
}

var derivedSettings = union(
  storageSettings,
  databaseSettings,
  { Topology__ControlPlane__Location: cpLocation },
  topologySettings,
  secretSettings,
  scheduleSettings,
  monitorSettings
)

module functionApp 'modules/functionApp.bicep' = {
  name: 'functionApp'
  params: {
    location: cpLocation
    name: '${namePrefix}-dr-func-${take(suffix, 6)}'
    planName: '${namePrefix}-dr-plan'
    identityId: identity.id
    identityClientId: identity.properties.clientId
    taskHubAccountName: taskHub.outputs.name
    taskHubName: taskHubName
    packageUri: '${taskHub.outputs.blobEndpoint}${taskHub.outputs.packageContainerName}/${packageBlobName}'
    containerImage: containerImage
    appInsightsConnectionString: monitoring.outputs.connectionString
    appSettings: union(fileSetDefaults, extraAppSettings, derivedSettings)
    alwaysReadyInstances: alwaysReadyInstances
    maximumInstances: maximumInstances
    subnetId: subnetId
    tags: allTags
  }
  // Key Vault references resolve when the app starts: the secrets (near stores too) and the vault role first.
  dependsOn: [
    nearStores
  ]
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: cpLocation
    namePrefix: '${namePrefix}-dr'
    appInsightsId: monitoring.outputs.appInsightsId
    alertEmail: alertEmail
    tags: allTags
  }
}

output functionAppName string = functionApp.outputs.name
output functionAppHostName string = functionApp.outputs.defaultHostName
output keyVaultName string = keyVault.outputs.name
output taskHubAccountName string = taskHub.outputs.name
output farBackupsAccountName string = farStore.outputs.name
output nearBackupsAccountNames string[] = [for (region, i) in regions: nearStores[i].outputs.name]
output packageUploadUri string = '${taskHub.outputs.blobEndpoint}${taskHub.outputs.packageContainerName}/${packageBlobName}'
output alertRuleNames string[] = alerts.outputs.ruleNames
