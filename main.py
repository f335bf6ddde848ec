from source_mentions.run import run

if __name__ == "__main__":
    run()
