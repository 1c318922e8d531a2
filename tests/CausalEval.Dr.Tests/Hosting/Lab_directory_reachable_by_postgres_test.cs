using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Core.Errors;
using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Hosting;

/// <summary>
/// The lab's PostgreSQL runs as the postgres user (we are root): a state directory under a folder others cannot enter
/// (a checkout under /root, a mktemp -d) keeps its lab in a folder made by mkdtemp in /tmp when the lab first comes up,
/// recorded in the state directory: the same place for every command of that state directory, and never a path
/// another user could predict and make first (it used to be /tmp/dr-lab-{hash of the state path}: whoever created it
/// first chose the lab's settings, secrets and stores).
/// </summary>
public sealed class Lab_directory_reachable_by_postgres_test : IDisposable
{
    private readonly List<string> madeFolders = [];

    /// <summary>The mkdtemp folders the tests made lie outside every test directory: removed here, not left in /tmp.</summary>
    public void Dispose()
    {
        foreach (var folder in madeFolders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private string Made(string lab)
    {
        madeFolders.Add(Path.GetDirectoryName(lab)!);
        return lab;
    }

    [Fact]
    public void A_state_directory_under_a_closed_folder_keeps_its_lab_in_a_folder_of_its_own_that_nobody_could_prepare()
    {
        Assert.True(DetachedProcess.IsRoot,
            "the lab moves out of a closed folder only when PostgreSQL runs as another user: run the tests as root, as CI does");
        var closed = RepoPaths.NewTempDirectory("closed");
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(closed, "checkout", ".dr");

        var lab = Made(new StateDirectory(path).CreateLabDirectory());

        var folder = Path.GetDirectoryName(lab)!;
        Assert.StartsWith(Path.Combine(Path.GetTempPath(), "dr-lab-"), folder);
        var status = UnixFiles.StatusOf(folder)!;
        Assert.Equal((0u, (UnixFileMode)Convert.ToInt32("711", 8)), (status.Uid, status.Mode));
        Assert.Equal(lab, new StateDirectory(path).LabDirectory); // every command of this state directory finds it
        Assert.Equal(lab, new StateDirectory(path).CreateLabDirectory()); // and the next `dr lab up` reuses it
        Assert.NotEqual(lab, Made(new StateDirectory(Path.Combine(closed, "other", ".dr")).CreateLabDirectory()));

        var open = new StateDirectory(Path.Combine(RepoPaths.NewTempDirectory("open"), ".dr"));
        Assert.Equal(Path.Combine(open.Path, "lab"), open.CreateLabDirectory());
    }

    [Fact]
    public async Task A_recorded_lab_folder_that_someone_else_owns_or_could_write_is_refused()
    {
        var closed = RepoPaths.NewTempDirectory("closed-hostile");
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var state = new StateDirectory(Path.Combine(closed, ".dr"));
        var lab = Made(state.CreateLabDirectory());
        var folder = Path.GetDirectoryName(lab)!;

        // The folder handed to another user (as if they had made it): its settings would be theirs.
        await ProcessRunner.RunAsync("chown", ["nobody", folder]);
        Assert.Contains("is not this user's own closed folder", Assert.Throws<DrConfigurationException>(() => state.LabDirectory).Message);

        // The record itself writable by others: it is not read.
        await ProcessRunner.RunAsync("chown", ["root", folder]);
        var record = Path.Combine(state.Path, "lab-location");
        File.SetUnixFileMode(record, File.GetUnixFileMode(record) | UnixFileMode.OtherWrite);
        Assert.Contains("is writable by others", Assert.Throws<DrConfigurationException>(() => state.LabDirectory).Message);
    }
}
