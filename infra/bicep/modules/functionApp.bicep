import { appSettingMap, tagSet } from 'types.bicep'

// The control plane's compute: the Functions app (isolated worker, .NET 10, Durable Task on Azure Storage).
//
// Plan: Elastic Premium (EP1), Linux, rather than Flex Consumption, because
// - an always-ready instance keeps the eternal health monitor and its durable timers (every 30 s) running
//   with no cold start on the failover path, where the critical RTO is 15 minutes;
// - executions are unbounded (functionTimeout -1), so a long activity such as a base backup streamed by
//   pg_basebackup is not cut off;
// - Premium can run the app from a custom Linux container when the PostgreSQL client binaries are needed in
//   the activity host (docs/architecture.md), which Flex Consumption cannot;
// - VNet integration reaches node agents on private addresses.
//
// No Azure Files content share: the app runs from a package blob read with its managed identity
// (WEBSITE_RUN_FROM_PACKAGE + WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID), so the task hub account needs
// no account key at all.

@description('Azure location (the control-plane region).')
param location string

@description('Name of the Function App (globally unique host name).')
param name string

@description('Name of the Elastic Premium plan.')
param planName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity (identity-based connections pick it by client id).')
param identityClientId string

@description('Name of the task hub storage account (AzureWebJobsStorage, identity-based).')
param taskHubAccountName string

@description('Task hub name (host.json reads %TaskHubName%): letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string

@description('URL of the deployment package blob (the CI uploads the zip there, then restarts the app).')
param packageUri string

@description('Container image to run instead of the package (infra/container/Dockerfile); empty for the package. Pulled with the app\'s identity (AcrPull on the registry).')
param containerImage string = ''

@description('Application Insights connection string (telemetry is sent with the identity: local auth is off).')
param appInsightsConnectionString string

@description('The app\'s own settings (Storage, Topology, Secrets, Schedules, Monitor, ...), on top of the platform\'s.')
param appSettings appSettingMap

@description('Instances kept warm at all times (always ready).')
@minValue(1)
@maxValue(20)
param alwaysReadyInstances int

@description('Instances the plan may scale out to.')
@minValue(1)
@maxValue(100)
param maximumInstances int

@description('Subnet for regional VNet integration (agents on private addresses); empty for none.')
param subnetId string

param tags tagSet = {}

// The package, or the container image (which carries the app and the PostgreSQL client itself).
var codeSettings = empty(containerImage)
  ? {
      WEBSITE_RUN_FROM_PACKAGE: packageUri
      WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID: identityId
    }
  : {
      WEBSITE_RUN_FROM_PACKAGE: '0'
      WEBSITES_ENABLE_APP_SERVICE_STORAGE: 'false'
    }

var platformSettings = {
  FUNCTIONS_EXTENSION_VERSION: '~4'
  FUNCTIONS_WORKER_RUNTIME: 'dotnet-isolated'
  // Host storage and the Durable task hub, by identity (no connection string exists for this account).
  AzureWebJobsStorage__accountName: taskHubAccountName
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  TaskHubName: taskHubName
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
  // host.json sets no functionTimeout; unbounded on Premium. Steps bound their own activities (StepOptions).
  AzureFunctionsJobHost__functionTimeout: '-1'
}

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'elastic'
  sku: {
    name: 'EP1'
    tier: 'ElasticPremium'
  }
  properties: {
    reserved: true // Linux
    maximumElasticWorkerCount: maximumInstances
  }
}

resource site 'Microsoft.Web/sites@2025-03-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    reserved: true
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    virtualNetworkSubnetId: empty(subnetId) ? null : subnetId
    siteConfig: {
      linuxFxVersion: empty(containerImage) ? 'DOTNET-ISOLATED|10.0' : 'DOCKER|${containerImage}'
      acrUseManagedIdentityCreds: !empty(containerImage)
      acrUserManagedIdentityID: empty(containerImage) ? null : identityClientId
      minimumElasticInstanceCount: alwaysReadyInstances
      functionAppScaleLimit: maximumInstances
      vnetRouteAllEnabled: !empty(subnetId)
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      http20Enabled: true
      use32BitWorkerProcess: false
      appSettings: [for setting in items(union(appSettings, platformSettings, codeSettings)): {
        name: setting.key
        value: setting.value
      }]
    }
  }
}

// Deployments go through Entra ID (the package blob), never basic FTP or SCM credentials.
resource ftp 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scm 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2025-03-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
