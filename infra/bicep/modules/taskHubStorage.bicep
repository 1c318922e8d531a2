import { tagSet } from 'types.bicep'

// The Functions host's storage (AzureWebJobsStorage) and the Durable Task hub (control queues, work-item
// queue, History and Instances tables, large-message blobs), in the control-plane region: orchestrations must
// outlive the primary region. The app reaches it with its managed identity only, so account keys are off.

@description('Azure location (the control-plane region).')
param location string

@description('Name of the account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Redundancy: zone-redundant where the region has zones; geo-replication does not help a task hub (a failed-over copy lags and the app is in this region anyway).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
])
param sku string

@description('Name of the Functions app\'s user-assigned identity.')
param identityName string

@description('Container the deployment package is uploaded to (WEBSITE_RUN_FROM_PACKAGE reads it with the identity).')
param packageContainerName string

param tags tagSet = {}

// Built-in roles. Blob Data Owner: the host's leases and keys blobs, Durable's large messages and the
// deployment package; Queue and Table Data Contributor: the task hub's queues and tables.
var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageQueueDataContributor = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: identityName
}

resource account 'Microsoft.Storage/storageAccounts@2025-08-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
  }
  kind: 'StorageV2'
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    // A package overwritten by mistake, or the host's state, can be brought back for a week.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: packageContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource roles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in [storageBlobDataOwner, storageQueueDataContributor, storageTableDataContributor]: {
    name: guid(account.id, identity.id, role)
    scope: account
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
output packageContainerName string = packages.name
