using CausalEval.Dr.Local.Cli;

// Every command's own errors end in one line and the exit code of their kind (ExitCodes.Guard); so do those raised
// before a command runs (a settings file that is not read, say), never a stack trace.
return await ExitCodes.Guard(()
    => Commands.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }));
