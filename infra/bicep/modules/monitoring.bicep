import { tagSet } from 'types.bicep'

// Log Analytics + workspace-based Application Insights in the control-plane region: the Functions host's
// traces (including the Durable Task tracking events the alert rules read) land here, and stay readable
// when the primary region is gone.

@description('Azure location (the control-plane region).')
param location string

@description('Name prefix of the workspace and the component.')
param namePrefix string

@description('Days Log Analytics keeps the data; the alert rules look back two days at most.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Name of the Functions app\'s user-assigned identity: it sends telemetry with Entra ID, local (key) auth is off.')
param publisherIdentityName string

param tags tagSet = {}

// Built-in role: Monitoring Metrics Publisher (telemetry ingestion with Entra ID).
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: publisherIdentityName
}

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-07-01' = {
  name: '${namePrefix}-log'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${namePrefix}-appi'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    // Only Entra ID-authenticated telemetry is accepted: a leaked connection string cannot inject or hide signals
    // the alert rules judge.
    DisableLocalAuth: true
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
output workspaceId string = workspace.id
