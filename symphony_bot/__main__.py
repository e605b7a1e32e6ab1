from symphony_bot.cli import main

main()
