using CausalEval.Dr.Adapters.Files;
using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Adapters.Storage;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Storage;

/// <summary>
/// Full database backups in a local store used to be 0644 (any local user could read every table), and the API token was
/// written first and narrowed after. Now every object, folder and secret is created owner-only by the call that creates
/// it, whatever the umask; a folder an operator shared with a group by its set-group-id bit (the lab's WAL archive,
/// read by PostgreSQL's user) shares what is made in it with that group, read-only.
/// </summary>
public sealed class Backups_and_secrets_are_created_readable_by_their_owner_alone_test
{
    private static readonly UnixFileMode File600 = (UnixFileMode)Convert.ToInt32("600", 8);
    private static readonly UnixFileMode Folder700 = (UnixFileMode)Convert.ToInt32("700", 8);

    [Fact]
    public async Task Store_objects_and_their_folders_are_the_owners_alone()
    {
        var root = Path.Combine(RepoPaths.NewTempDirectory("owner-only"), "store");
        var store = new LocalDirectoryObjectStore(root);

        await store.PutAsync("database/20261206T000000Z-0a1b2c3d/base.tar.zst.00001", new MemoryStream(new byte[4096]));

        var data = Directory.EnumerateFiles(Path.Combine(root, ".data"), "*", SearchOption.AllDirectories).Single();
        Assert.Equal(File600, UnixFiles.StatusOf(data)!.Mode);
        Assert.Equal(Folder700, UnixFiles.StatusOf(Path.Combine(root, "database"))!.Mode);
        Assert.Equal(Folder700, UnixFiles.StatusOf(Path.GetDirectoryName(data)!)!.Mode);
    }

    [Fact]
    public async Task A_folder_shared_with_a_group_shares_what_is_made_in_it_read_only()
    {
        var root = Path.Combine(RepoPaths.NewTempDirectory("owner-group"), "store");
        Directory.CreateDirectory(Path.Combine(root, "wal"));
        Directory.CreateDirectory(Path.Combine(root, ".data", "wal"));
        foreach (var folder in new[] { Path.Combine(root, "wal"), Path.Combine(root, ".data", "wal") })
        {
            File.SetUnixFileMode(folder, (UnixFileMode)Convert.ToInt32("2750", 8));
        }

        await new LocalDirectoryObjectStore(root).PutAsync("wal/000000010000000000000003.zst", new MemoryStream(new byte[128]));

        var data = Directory.EnumerateFiles(Path.Combine(root, ".data", "wal")).Single();
        Assert.Equal((UnixFileMode)Convert.ToInt32("640", 8), UnixFiles.StatusOf(data)!.Mode);
    }

    [Fact]
    public void The_api_token_exists_only_with_its_owner_only_mode()
    {
        var state = new StateDirectory(Path.Combine(RepoPaths.NewTempDirectory("token"), ".dr"));
        var token = state.ApiToken();

        Assert.Equal(64, token.Length);
        Assert.Equal(File600, UnixFiles.StatusOf(Path.Combine(state.Path, "api-token"))!.Mode);
        Assert.Equal(Folder700, UnixFiles.StatusOf(state.Path)!.Mode);
        Assert.Equal(token, new StateDirectory(state.Path).ApiToken()); // made once
    }

    [Fact]
    public void A_file_made_by_the_owner_only_helper_is_never_readable_by_others_whatever_the_umask()
    {
        var path = Path.Combine(RepoPaths.NewTempDirectory("owner-write"), "secret.json");
        OwnerOnly.WriteAllText(path, "{}");
        Assert.Equal(File600, UnixFiles.StatusOf(path)!.Mode);
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(path)!, "*.tmp")); // written whole: no temporary left
    }
}
