namespace System.Runtime.CompilerServices;

/// <summary>What C# records need and netstandard2.0 (the compiler's host) does not have.</summary>
internal static class IsExternalInit
{
}
