from bench.availability import main

main()
