"""Hook implementations of retinue-echo: registration only."""

from retinue import hookimpl


@hookimpl
def retinue_register_tools(register):
    register(
        "echo",
        "retinue_echo._tool:EchoTool",  # imported on first use
        aliases=["EchoTool"],
        capabilities={"offline"},
        description="Repeats its input",
    )


@hookimpl
def retinue_register_commands(subparsers):
    parser = subparsers.add_parser("echo", help="echo a line")
    parser.add_argument("text")
    parser.set_defaults(handler=_echo)


def _echo(args):
    from retinue_echo._tool import EchoTool  # heavy imports inside the handler

    print(EchoTool().echo(args.text))
    return 0  # the exit status
