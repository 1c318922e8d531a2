import { tagSet } from 'types.bicep'

// The vault for every secret the control plane reads: the agents' bearer tokens, the DNS provider's
// credentials (Route 53: "accessKeyId:secretAccessKey"), the Kubernetes tokens, and the backups accounts'
// connection strings (written by backupStorage.bicep). RBAC authorization, so access is a role assignment
// like every other grant here, and the app's identity can read secrets but never list keys or change them.

@description('Azure location (the control-plane region).')
param location string

@description('Name of the vault (3-24 characters, globally unique).')
@minLength(3)
@maxLength(24)
param name string

@description('Name of the Functions app\'s user-assigned identity: it reads secrets through Key Vault references.')
param readerIdentityName string

param tags tagSet = {}

// Built-in role: Key Vault Secrets User (read secret values, nothing else).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' existing = {
  name: readerIdentityName
}

resource vault 'Microsoft.KeyVault/vaults@2025-05-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    // A deleted secret or vault can be brought back for 90 days, and nobody can shorten that: the tokens that
    // let the control plane fence and promote databases must not be lost in the middle of an incident.
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
