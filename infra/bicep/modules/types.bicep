// Types shared by main.bicep and the modules.

@export()
@description('Resource tags: name to value.')
type tagSet = { *: string }

@export()
@description('App settings: name to value. On Linux a name holds letters, digits, "_" and "." only; "__" stands for ":".')
type appSettingMap = { *: string }

@export()
@description('A database region of the DR topology: where it runs and where its near backups go.')
type databaseRegion = {
  @description('The region\'s name in the DR topology (Topology:Regions:{name}); lowercase letters and digits only: it also names the region\'s backups account and Key Vault secret.')
  @minLength(1)
  @maxLength(10)
  name: string

  @description('The region\'s role in the DR topology.')
  role: 'primary' | 'secondary' | 'dr'

  @description('Where the region runs, as the topology names it (Topology:Regions:{name}:Location), e.g. a cloud region or site. The control plane must not be there.')
  location: string

  @description('Azure location of the region\'s near backups account: the Azure region closest to the region\'s databases.')
  azureLocation: string

  @description('The share of full capacity the region runs at normally (seed: primary 100, secondary 50, dr 25).')
  @minValue(1)
  @maxValue(100)
  capacityPercent: int
}

@export()
@description('How long backups of one kind are kept (the seed\'s "Backup Automation" table), by the kind\'s prefix in the store.')
type backupRetention = {
  @description('Key prefix of the kind in the backups container: "database/", "wal/", "configuration/", "application-state/", "metrics/", "logs/".')
  prefix: string

  @description('The seed\'s retention for the kind, in days.')
  @minValue(1)
  retentionDays: int

  @description('Move current blobs of the kind to the Cool tier after this many days (0: stay Hot). Cool is online: restores are not slowed.')
  @minValue(0)
  coolAfterDays: int
}
