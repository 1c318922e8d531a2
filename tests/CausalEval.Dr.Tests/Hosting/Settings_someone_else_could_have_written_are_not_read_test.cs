using CausalEval.Dr.Adapters.Processes;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Hosting;

/// <summary>
/// Settings choose the stores backups go to, the secrets, and what the configuration backup reads: whoever could write
/// a settings file `dr` reads (as root) could send /etc/shadow to a store of theirs. A settings file, and the lab's
/// settings and state, are read only when they and their folder belong to this user (or root) and nobody else can
/// write them, as ssh's StrictModes; anything else is a configuration error (exit 3) naming the file and why.
/// </summary>
public sealed class Settings_someone_else_could_have_written_are_not_read_test
{
    private const string Settings = """{ "Storage": { "Kind": "local", "LocalPath": "/tmp/somebody-elses-store" } }""";

    [Fact]
    public async Task A_settings_file_writable_by_others_or_owned_by_another_user_is_refused()
    {
        var folder = RepoPaths.NewTempDirectory("hostile-settings");
        var file = Path.Combine(folder, "dr.settings.json");
        await File.WriteAllTextAsync(file, Settings);

        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("666", 8));
        var writable = await LabFixture.RunDrAsync(Path.Combine(folder, ".dr"), "topology", "check", "--settings", file);
        Assert.Equal(3, writable.ExitCode);
        Assert.Contains($"the settings file {file} is not read: the file {file} is writable by others", writable.Stderr);

        File.SetUnixFileMode(file, (UnixFileMode)Convert.ToInt32("644", 8));
        await ProcessRunner.RunAsync("chown", ["nobody", file]);
        var theirs = await LabFixture.RunDrAsync(Path.Combine(folder, ".dr"), "topology", "check", "--settings", file);
        Assert.Equal(3, theirs.ExitCode);
        Assert.Contains("belongs to uid 65534, not to this user", theirs.Stderr);
    }

    [Fact]
    public async Task A_lab_settings_file_another_user_could_have_put_in_place_is_refused()
    {
        var state = Path.Combine(RepoPaths.NewTempDirectory("hostile-lab"), ".dr");
        var lab = Directory.CreateDirectory(Path.Combine(state, "lab")).FullName;
        await File.WriteAllTextAsync(Path.Combine(lab, "dr.settings.json"), Settings);
        File.SetUnixFileMode(lab, (UnixFileMode)Convert.ToInt32("777", 8)); // the folder anyone could write a file into

        var check = await LabFixture.RunDrAsync(state, "topology", "check");

        Assert.Equal(3, check.ExitCode);
        Assert.Contains($"the lab's settings {Path.Combine(lab, "dr.settings.json")} is not read: the folder {lab} is writable by others", check.Stderr);
    }
}
