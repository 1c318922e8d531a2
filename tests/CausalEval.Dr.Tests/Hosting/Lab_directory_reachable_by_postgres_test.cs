using CausalEval.Dr.Local.Hosting;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Hosting;

/// <summary>
/// The lab's PostgreSQL runs as the postgres user when we are root: a state directory under a folder others
/// cannot enter (a checkout under /root, a mktemp -d) keeps its lab under the temp folder instead, the same
/// place for every command of that state directory.
/// </summary>
public sealed class Lab_directory_reachable_by_postgres_test
{
    [Fact]
    public void A_state_directory_under_a_closed_folder_keeps_its_lab_where_postgres_can_reach_it()
    {
        var closed = RepoPaths.NewTempDirectory("closed");
        File.SetUnixFileMode(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var state = new StateDirectory(Path.Combine(closed, "checkout", ".dr"));

        if (Environment.UserName == "root")
        {
            Assert.StartsWith(Path.Combine(Path.GetTempPath(), "dr-lab-"), state.LabDirectory);
            Assert.Equal(state.LabDirectory, new StateDirectory(Path.Combine(closed, "checkout", ".dr")).LabDirectory);
            Assert.NotEqual(state.LabDirectory, new StateDirectory(Path.Combine(closed, "other", ".dr")).LabDirectory);
        }
        else
        {
            Assert.Equal(Path.Combine(state.Path, "lab"), state.LabDirectory); // the servers run as we do
        }

        var open = new StateDirectory(Path.Combine(RepoPaths.NewTempDirectory("open"), ".dr"));
        Assert.Equal(Path.Combine(open.Path, "lab"), open.LabDirectory);
    }
}
