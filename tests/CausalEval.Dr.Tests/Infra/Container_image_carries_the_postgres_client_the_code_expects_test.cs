using System.Text.RegularExpressions;
using CausalEval.Dr.Adapters.Postgres;
using CausalEval.Dr.Tests.Fixtures;

namespace CausalEval.Dr.Tests.Infra;

/// <summary>
/// No Docker engine runs here, so the image is not built in CI; this keeps it in step with the code: the
/// PostgreSQL client it installs is the major version the default Database:BinDirectory names (and the lab
/// runs), it points the app at it, its base image is the Functions runtime of the target framework, and it
/// publishes the Functions project that exists.
/// </summary>
public sealed partial class Container_image_carries_the_postgres_client_the_code_expects_test
{
    [Fact]
    public void Dockerfile_matches_the_code()
    {
        var dockerfile = File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "container", "Dockerfile"));
        var binDirectory = new DatabaseOptions().BinDirectory;
        var major = PostgresMajor().Match(binDirectory).Groups[1].Value;
        var framework = TargetFramework().Match(File.ReadAllText(Path.Combine(RepoPaths.Root, "Directory.Build.props"))).Groups[1].Value;

        Assert.NotEqual("", major);
        Assert.Contains($"postgresql-client-{major}", dockerfile);
        Assert.Contains($"Database__BinDirectory={binDirectory}", dockerfile);
        Assert.Contains($"postgresql-{major}", File.ReadAllText(Path.Combine(RepoPaths.Root, "scripts", "install-prerequisites.sh")));
        Assert.Contains($"FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated{framework}", dockerfile);
        Assert.Contains($"FROM mcr.microsoft.com/dotnet/sdk:{framework} AS build", dockerfile);
        var published = PublishedProject().Match(dockerfile).Groups[1].Value;
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, published)), $"the image publishes {published}, which does not exist");
    }

    [GeneratedRegex(@"/postgresql/(\d+)/bin")]
    private static partial Regex PostgresMajor();

    [GeneratedRegex(@"<TargetFramework>net([\d.]+)</TargetFramework>")]
    private static partial Regex TargetFramework();

    [GeneratedRegex(@"dotnet publish (\S+\.csproj)")]
    private static partial Regex PublishedProject();
}
