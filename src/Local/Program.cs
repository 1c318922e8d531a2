using CausalEval.Dr.Local.Cli;

return await Commands.Build().Parse(args).InvokeAsync();
