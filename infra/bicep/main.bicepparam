using 'main.bicep'

// An example with safe placeholders: no real secret, address or account. Secret values are never here: an
// operator sets each name of secretNames as a Key Vault secret after the first deployment
// (az keyvault secret set --vault-name <keyVaultName output> --name agentprimary --value ...).

param namePrefix = 'causaleval'
param controlPlaneLocation = 'centralus'

param regions = [
  { name: 'primary', role: 'primary', location: 'eastus', azureLocation: 'eastus', capacityPercent: 100 }
  { name: 'secondary', role: 'secondary', location: 'westus2', azureLocation: 'westus2', capacityPercent: 50 }
  { name: 'dr', role: 'dr', location: 'westeurope', azureLocation: 'westeurope', capacityPercent: 25 }
]

param alertEmail = 'dr-oncall@example.com'

// The database user's password for pg_basebackup and the SQL checks (Database:PasswordSecret), from this Key Vault secret (set by an operator).
param databasePasswordSecretName = 'pgpassword'

// Secrets:{name}: agent tokens, Route 53 credentials ("accessKeyId:secretAccessKey"), Kubernetes tokens.
param secretNames = [
  'agentprimary'
  'agentsecondary'
  'route53'
  'k8sprimary'
  'k8ssecondary'
]

// The rest of the DR topology: nodes and their agents, DNS, compute. Placeholders: names under example.invalid,
// A-record addresses from the documentation ranges (RFC 5737).
param extraAppSettings = {
  Topology__Dns__Provider: 'route53'
  Topology__Dns__Zone: 'causal-eval.example.invalid'
  Topology__Dns__HostedZoneId: 'ZPLACEHOLDER0000000'
  Topology__Dns__ApiKeySecret: 'route53'
  Topology__Dns__TtlSeconds: '30'
  Topology__Api__Scheme: 'https'
  Topology__Api__Port: '443'
  Topology__Regions__primary__Database__Nodes__0__Name: 'primary-db'
  Topology__Regions__primary__Database__Nodes__0__Host: 'primary-db.causal-eval.example.invalid'
  Topology__Regions__primary__Database__Nodes__0__Port: '5432'
  Topology__Regions__primary__Database__Nodes__0__Agent__Url: 'https://primary-db.causal-eval.example.invalid:7400'
  Topology__Regions__primary__Database__Nodes__0__Agent__TokenSecret: 'agentprimary'
  Topology__Regions__primary__Dns__Records__api__0: '192.0.2.11'
  Topology__Regions__primary__Dns__Records__db__0: '192.0.2.5'
  Topology__Regions__primary__Compute__Provider: 'kubernetes'
  Topology__Regions__primary__Compute__Services__api__Normal: '6'
  Topology__Regions__primary__Compute__Services__api__Failover: '6'
  Topology__Regions__primary__Compute__Kubernetes__ApiUrl: 'https://k8s-primary.causal-eval.example.invalid:6443'
  Topology__Regions__primary__Compute__Kubernetes__Namespace: 'causal-eval'
  Topology__Regions__primary__Compute__Kubernetes__TokenSecret: 'k8sprimary'
  Topology__Regions__primary__Compute__Kubernetes__DatabaseStatefulSet: 'postgres'
  Topology__Regions__secondary__Database__Nodes__0__Name: 'secondary-db'
  Topology__Regions__secondary__Database__Nodes__0__Host: 'secondary-db.causal-eval.example.invalid'
  Topology__Regions__secondary__Database__Nodes__0__Port: '5432'
  Topology__Regions__secondary__Database__Nodes__0__Agent__Url: 'https://secondary-db.causal-eval.example.invalid:7400'
  Topology__Regions__secondary__Database__Nodes__0__Agent__TokenSecret: 'agentsecondary'
  Topology__Regions__secondary__Dns__Records__api__0: '198.51.100.11'
  Topology__Regions__secondary__Dns__Records__db__0: '198.51.100.5'
  Topology__Regions__secondary__Compute__Provider: 'kubernetes'
  Topology__Regions__secondary__Compute__Services__api__Normal: '3'
  Topology__Regions__secondary__Compute__Services__api__Failover: '6'
  Topology__Regions__secondary__Compute__Kubernetes__ApiUrl: 'https://k8s-secondary.causal-eval.example.invalid:6443'
  Topology__Regions__secondary__Compute__Kubernetes__Namespace: 'causal-eval'
  Topology__Regions__secondary__Compute__Kubernetes__TokenSecret: 'k8ssecondary'
  Topology__Regions__secondary__Compute__Kubernetes__DatabaseStatefulSet: 'postgres'
}
