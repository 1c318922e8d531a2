import { backupRetention, tagSet } from 'types.bicep'

// One backups account: a region's "near" store, or the geo-separated "far" store the control plane writes to
// (Storage:*: backups, WAL, run records, the DR state). Deletion is survivable at three levels: blob
// versioning (an overwrite or delete keeps the previous version), blob and container soft delete, and, as
// an option, version-level immutability (WORM) so not even a holder of the account key can remove a backup
// before its time.
//
// Lifecycle rules: the app's own retention (ApplyRetention, ApplyWalRetention) is the authority on which
// backups to keep: it counts backups, keeps verified ones, never deletes the last one, and keeps the WAL a
// retained base backup or the PITR window needs. An age-based delete of current blobs would remove the last
// backups exactly when backups stop being taken (the control plane down), so the rules never delete a
// current blob. They remove what the app's deletions leave behind: previous versions, kept for the seed's
// retention of the kind plus a grace period, then deleted; and they move long-kept kinds to Cool.

@description('Azure location of the account.')
param location string

@description('Name of the account (3-24 lowercase letters and digits, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Redundancy. Near accounts: zone- or locally redundant in the region. The far account: geo-redundant, so it survives its own region too.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_RAGRS'
  'Standard_GZRS'
  'Standard_RAGZRS'
])
param sku string

@description('The backups container (Storage:Container).')
param containerName string

@description('The seed\'s retention table, by the kind\'s key prefix.')
param retention backupRetention[]

@description('Days a previous version (what an overwrite or the app\'s retention left) is kept beyond the kind\'s retention.')
@minValue(1)
param versionGraceDays int

@description('Days a deleted blob or container can be undeleted.')
@minValue(1)
@maxValue(365)
param softDeleteDays int

@description('Version-level immutability (WORM) with a default time-based retention on the container. Deletes and overwrites of a version younger than immutabilityDays fail, including the app\'s own retention of kinds kept for less (application-state: a few hours): keep off unless that is accepted. Cannot be turned off on an existing container.')
param enableImmutability bool

@description('Days each blob version stays immutable when enableImmutability is on. The policy is left unlocked: locking it is an irreversible decision for a person.')
@minValue(1)
@maxValue(146000)
param immutabilityDays int

@description('Name of the Functions app\'s user-assigned identity (Storage Blob Data Contributor on the account).')
param identityName string

@description('The vault the account\'s connection string is written to: the app\'s store adapter takes a connection string.')
param keyVaultName string

@description('Name of the Key Vault secret holding the connection string.')
param connectionStringSecretName string

param tags tagSet = {}

// Built-in role: Storage Blob Data Contributor (read, write, delete blobs; no account management).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

// Key prefixes the control plane writes besides backups: run records, the DR state and its hold, the
// monitor's decisions. They are overwritten (the DR state on every failover, the hold on every planned move),
// and their previous versions only serve to undo a mistake: they go after the grace period.
var recordPrefixMatch = [
  for prefix in [
    'runs/'
    'dr-state/'
    'monitor/'
  ]: '${containerName}/${prefix}'
]

var kindRules = [
  for kind in retention: {
    enabled: true
    name: 'kind${replace(replace(kind.prefix, '/', ''), '-', '')}'
    type: 'Lifecycle'
    definition: {
      filters: {
        blobTypes: [
          'blockBlob'
        ]
        prefixMatch: [
          '${containerName}/${kind.prefix}'
        ]
      }
      actions: union(
        {
          version: {
            delete: {
              daysAfterCreationGreaterThan: kind.retentionDays + versionGraceDays
            }
          }
        },
        kind.coolAfterDays > 0
          ? {
              baseBlob: {
                tierToCool: {
                  daysAfterModificationGreaterThan: kind.coolAfterDays
                }
              }
            }
          : {}
      )
    }
  }
]

var recordRule = {
  enabled: true
  name: 'records'
  type: 'Lifecycle'
  definition: {
    filters: {
      blobTypes: [
        'blockBlob'
      ]
      prefixMatch: recordPrefixMatch
    }
    actions: {
      version: {
        delete: {
          daysAfterCreationGreaterThan: versionGraceDays
        }
      }
    }
  }
}

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
    allowCrossTenantReplication: false
    // The app's store adapter (Storage:ConnectionString) authenticates with the account key; the key lives
    // only in Key Vault. Versioning, soft delete and the optional WORM bound what a leaked key can destroy.
    allowSharedKeyAccess: true
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
    isVersioningEnabled: true
    deleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
      allowPermanentDelete: false
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: softDeleteDays
    }
  }
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-08-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: {
      enabled: enableImmutability
    }
  }
}

// With version-level immutability on, the container's policy is the default every new version inherits.
resource defaultImmutability 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2025-08-01' = if (enableImmutability) {
  parent: container
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: immutabilityDays
    allowProtectedAppendWrites: false
  }
}

resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2025-08-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: concat(kindRules, [recordRule])
    }
  }
  // The rules name the container by prefix; it must exist first.
  dependsOn: [
    container
  ]
}

resource blobContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, identity.id, storageBlobDataContributor)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' existing = {
  name: keyVaultName
}

resource connectionString 'Microsoft.KeyVault/vaults/secrets@2025-05-01' = {
  parent: vault
  name: connectionStringSecretName
  properties: {
    contentType: 'Azure Storage connection string (account key)'
    value: 'DefaultEndpointsProtocol=https;AccountName=${account.name};AccountKey=${account.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

output name string = account.name
output containerName string = container.name
output connectionStringSecretName string = connectionString.name
